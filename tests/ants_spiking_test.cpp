// The specialised ant-brain path against the general spiking simulator (l2l::spiking, from the
// spiking issue): the same network and inputs must give the same spikes. Compiled only where the
// general simulator is part of the tree.
#if __has_include("l2l/spiking/network.hpp")
#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/brain.hpp"
#include "l2l/spiking/iaf_psc_alpha.hpp"
#include "l2l/spiking/network.hpp"
#include "l2l/spiking/spike_generator.hpp"

namespace l2l::ants {
namespace {

const std::string kPublished = std::string(L2L_DATA_DIR) + "/ants/evolved_gen1600_ind30.csv";

// One ant's network built node by node in the general simulator: inputs, heartbeat, hidden,
// outputs (so that deliveries within a step come in the same source order), DC generators on the
// inputs with NEST's 1 ms connection, the heartbeat at 1, 3, 5, ... ms.
void expect_same_spikes(const Genome& g, int ticks, std::uint64_t seed) {
  const int H = g.hidden;
  spiking::Network net({1.0, 1, 1});
  spiking::IafPscAlpha::Params p;
  p.t_ref = 1.0;
  const auto in = net.create<spiking::IafPscAlpha>(kInputs, p);
  const auto hb = net.create<spiking::SpikeGenerator>(1);
  const auto hid = net.create<spiking::IafPscAlpha>(static_cast<std::size_t>(H), p);
  const auto out = net.create<spiking::IafPscAlpha>(kOutputs, p);
  std::vector<double> times;
  for (int t = 1; t < ticks * kStepsPerTick + 10; t += 2) times.push_back(t);
  net.population_as<spiking::SpikeGenerator>(hb).set_spike_times(0, times);
  const auto L = g.layout();
  spiking::Connections c;
  auto add = [&](std::uint32_t pre, std::uint32_t post, std::size_t gene) {
    c.pre.push_back(pre);
    c.post.push_back(post);
    c.weight.push_back(g.weight_pa(gene));
    c.delay.push_back(g.delay_ms(gene));
  };
  const auto u = [](int x) { return static_cast<std::uint32_t>(x); };
  for (int i = 0; i < kInputs; ++i)
    for (int h = 0; h < H; ++h) add(in.first + u(i), hid.first + u(h), L.input_to_hidden(i, h));
  for (int h = 0; h < H; ++h) add(hb.first, hid.first + u(h), L.heartbeat_to_hidden(h));
  for (int s = 0; s < H; ++s)
    for (int t = 0; t < H; ++t)
      if (s != t) add(hid.first + u(s), hid.first + u(t), L.hidden_to_hidden(s, t));
  for (int h = 0; h < H; ++h)
    for (int o = 0; o < kOutputs; ++o)
      add(hid.first + u(h), out.first + u(o), L.hidden_to_output(h, o));
  net.connect_explicit(c);
  std::vector<spiking::Network::DeviceId> dc;
  for (int i = 0; i < kInputs; ++i) {
    dc.push_back(net.add_dc_generator(0.0));
    net.connect_generator(dc.back(), {in.first + u(i), 1}, 1.0, 1.0);
  }
  const auto rec = net.add_spike_recorder({0, static_cast<std::uint32_t>(net.num_nodes())});

  ColonyBrain brain(g, 1);
  std::vector<SpikeRecord> log;
  brain.set_spike_log(&log);
  Rng rng(seed);
  std::vector<InputMask> active(1, 0);
  std::vector<OutputCounts> counts(1);
  InputMask previous = 0;
  for (int t = 0; t < ticks; ++t) {
    active[0] = static_cast<InputMask>(rng.below(1u << kInputs));
    brain.tick(active, counts);
    // In NEST the amplitude set for a tick reaches the neuron one step after the generator sent
    // it, so the first step of a tick still sees the previous tick's current. The general
    // simulator applies a DC amplitude in the step it is set for: set it step by step.
    for (int j = 0; j < kStepsPerTick; ++j) {
      const InputMask m = j == 0 ? previous : active[0];
      for (int i = 0; i < kInputs; ++i)
        net.set_dc_amplitude(dc[static_cast<std::size_t>(i)], (m >> i) & 1u ? kInputCurrentPa : 0.0);
      net.simulate(1.0);
    }
    previous = active[0];
  }
  std::vector<std::tuple<std::int64_t, int>> fast, general;
  for (const auto& s : log) fast.emplace_back(s.step, s.neuron);
  const auto& r = net.spike_record(rec);
  for (std::size_t k = 0; k < r.size(); ++k) {
    const auto node = r.senders[k];
    if (node == hb.first) continue;
    const int neuron = node < hb.first ? static_cast<int>(node) : static_cast<int>(node) - 1;
    general.emplace_back(std::llround(r.times[k]) - 1, neuron);  // stamp (s + 1) ms -> step s
  }
  std::sort(fast.begin(), fast.end());
  std::sort(general.begin(), general.end());
  EXPECT_GT(fast.size(), 1000u);
  ASSERT_EQ(fast.size(), general.size());
  std::size_t same = 0;
  while (same < fast.size() && fast[same] == general[same]) ++same;
  EXPECT_EQ(same, fast.size()) << "first difference at spike " << same;
}

TEST(AntBrainVsSpikingSimulator, PublishedGenomeGivesIdenticalSpikes) {
  expect_same_spikes(read_genome_csv(kPublished), 300, 3);
}

TEST(AntBrainVsSpikingSimulator, RandomGenomeGivesIdenticalSpikes) {
  Rng rng(7);
  expect_same_spikes(random_genome(20, rng), 300, 4);
}

}  // namespace
}  // namespace l2l::ants
#endif
