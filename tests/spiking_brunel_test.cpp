// Brunel (2000) model A (g = 5, eta = 2), scaled down, against its mean-field (Siegert) rate,
// and the Siegert formula itself.
#include <gtest/gtest.h>

#include <cmath>

#include "l2l/spiking/brunel.hpp"
#include "l2l/spiking/siegert.hpp"

using namespace l2l::spiking;

TEST(SpikingSiegert, FullBrunelNetworkMeanFieldRate) {
  BrunelConfig c;  // N_E 10,000, C_E 1,000, J 0.1 mV, g 5, eta 2
  EXPECT_NEAR(c.nu_thr(), 10.0, 1e-12);
  EXPECT_NEAR(c.mean_field_rate(), 37.95, 0.01);
}

TEST(SpikingSiegert, LowNoiseLimitIsTheDeterministicRate) {
  // Suprathreshold mean input with vanishing noise: 1/nu = t_ref + tau ln((mu - V_r)/(mu - theta)).
  const double mu = 25.0, tau = 20.0, theta = 20.0, vr = 10.0, tref = 2.0;
  const double expected = 1000.0 / (tref + tau * std::log((mu - vr) / (mu - theta)));
  EXPECT_NEAR(siegert_rate(mu, 0.05, tau, theta, vr, tref), expected, 1e-3 * expected);
  // Subthreshold mean, small noise: almost silent; more noise, more firing.
  EXPECT_LT(siegert_rate(15.0, 0.5, tau, theta, vr, tref), 1e-6);
  EXPECT_LT(siegert_rate(15.0, 2.0, tau, theta, vr, tref),
            siegert_rate(15.0, 4.0, tau, theta, vr, tref));
  // The integrand is erfcx(-u), smooth across the switch to its asymptotic series.
  EXPECT_NEAR(siegert_integrand(-26.0 + 1e-9) / siegert_integrand(-26.0 - 1e-9), 1.0, 1e-9);
  EXPECT_NEAR(siegert_integrand(0.0), 1.0, 1e-15);
}

TEST(SpikingBrunel, ScaledNetworkRateMatchesMeanField) {
  // One fifth of the neurons and in-degrees; J scaled by 5 keeps the mean input (J C_E) and the
  // threshold rate nu_thr, while the variance grows: the mean field is recomputed for it.
  BrunelConfig c;
  c.n_e = 2000;
  c.n_i = 500;
  c.c_e = 200;
  c.c_i = 50;
  c.j = 0.5;
  c.warmup = 100.0;
  c.duration = 500.0;
  c.n_recorded = 300;
  c.threads = 2;
  c.seed = 3;
  const double mf = c.mean_field_rate();
  EXPECT_NEAR(mf, 49.31, 0.05);
  const BrunelResult r = run_brunel(c);
  EXPECT_EQ(r.synapses, 2500u * 250u);
  // The acceptance criterion: the mean excitatory rate within 10 % of the mean-field rate.
  // (Counting noise alone is ~0.3 %; the rest is finite size and the network's oscillations.)
  EXPECT_NEAR(r.rate_e, mf, 0.10 * mf);
  EXPECT_NEAR(r.rate_i, r.rate_e, 0.05 * mf);
  // Irregular firing (asynchronous irregular regime).
  EXPECT_GT(r.cv_isi, 0.3);
}

TEST(SpikingBrunel, SameSpikesForAnyThreadCount) {
  BrunelConfig c;
  c.n_e = 800;
  c.n_i = 200;
  c.c_e = 80;
  c.c_i = 20;
  c.j = 1.25;
  c.warmup = 20.0;
  c.duration = 100.0;
  c.n_recorded = 800;
  c.threads = 1;
  const BrunelResult one = run_brunel(c);
  ASSERT_GT(one.recorded_senders.size(), 1000u);
  c.threads = 3;
  const BrunelResult three = run_brunel(c);
  EXPECT_EQ(one.recorded_senders, three.recorded_senders);
  EXPECT_EQ(one.recorded_times, three.recorded_times);
  EXPECT_EQ(one.rate_e, three.rate_e);
}
