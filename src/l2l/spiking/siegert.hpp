#pragma once
// Mean-field firing rates of leaky integrate-and-fire neurons driven by white noise (Siegert
// 1951; Amit & Brunel 1997; Brunel 2000).
//
// A neuron with membrane time constant tau, threshold theta, reset V_r and refractory period
// tau_rp, receiving input of mean mu and standard deviation sigma (mV, diffusion approximation),
// fires at
//   1/nu = tau_rp + tau sqrt(pi) int_{(V_r - mu)/sigma}^{(theta - mu)/sigma} e^{u^2} (1 + erf u) du
// In Brunel's sparse network (C_E excitatory and C_I = gamma C_E inhibitory inputs of weight J and
// -g J, and C_E external Poisson inputs at nu_ext each, delta synapses)
//   mu      = C_E J tau (nu_ext + nu (1 - g gamma))
//   sigma^2 = C_E J^2 tau (nu_ext + nu (1 + g^2 gamma))
// and the stationary rate is the fixed point nu = Phi(mu(nu), sigma(nu)).
namespace l2l::spiking {

// e^{u^2} (1 + erf u), accurate for all u (it is erfcx(-u)).
double siegert_integrand(double u);

// Rate (Hz) for given input statistics; times in ms, potentials in mV.
double siegert_rate(double mu, double sigma, double tau_m, double theta, double v_reset,
                    double t_ref);

struct BrunelMeanField {
  double c_e = 1000.0, c_i = 250.0;  // in-degrees
  double j = 0.1;                    // mV
  double g = 5.0;
  double nu_ext = 0.0;  // Hz per external synapse (C_E of them)
  double tau_m = 20.0, theta = 20.0, v_reset = 10.0, t_ref = 2.0;  // ms, mV
  // Self-consistent stationary rate (Hz).
  double rate() const;
};

}  // namespace l2l::spiking
