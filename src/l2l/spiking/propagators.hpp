#pragma once
// Exact propagators of the linear subthreshold dynamics of current-based integrate-and-fire
// neurons (Rotter & Diesmann 1999).
//
// For  dV/dt = -V/tau_m + I(t)/C_m  and a synaptic current that is exponential,
//   I(t) = I0 exp(-t/tau_s),
// or alpha-shaped,  I(t) = (I0 + dI0 t) exp(-t/tau_s),
// the contribution of the current state to V after one step h is linear in I0 and dI0:
//
//   V(h) = exp(-h/tau_m) V(0) + P_exp(h) I0 + P_alpha(h) dI0 (+ the DC term P_dc(h) I_dc)
//
//   P_exp   = (1/C) int_0^h exp(-(h-s)/tau_m) exp(-s/tau_s) ds
//           = (h/C) exp(-h/tau_m) phi1(x),          x = h (1/tau_m - 1/tau_s)
//   P_alpha = (1/C) int_0^h exp(-(h-s)/tau_m) s exp(-s/tau_s) ds
//           = (h^2/C) exp(-h/tau_m) phi2(x)
//   P_dc    = (tau_m/C) (1 - exp(-h/tau_m))
//
// with phi1(x) = (e^x - 1)/x and phi2(x) = (x e^x - e^x + 1)/x^2. The textbook forms
// tau_m tau_s/(C (tau_m - tau_s)) (e^{-h/tau_m} - e^{-h/tau_s}) divide by tau_m - tau_s and lose
// all precision when the time constants are close; NEST therefore switches to the singular limit
// (tau_m == tau_s: P_exp = h/C e^{-h/tau_m}, P_alpha = h^2/(2C) e^{-h/tau_m}) near equality. Here
// phi1 and phi2 are evaluated by their Taylor series for small |x| and in closed form otherwise,
// which gives full precision everywhere, reduces to the singular limit exactly at x = 0 and is
// continuous across the switch.
namespace l2l::spiking {

double phi1(double x);
double phi2(double x);

double propagator_exp(double tau_syn, double tau_m, double c_m, double h);
double propagator_alpha(double tau_syn, double tau_m, double c_m, double h);
double propagator_dc(double tau_m, double c_m, double h);

}  // namespace l2l::spiking
