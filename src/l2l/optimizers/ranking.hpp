#pragma once
// Rank-based fitness shaping shared by the evolution strategies (es, nes, xnes) and the
// selection helpers of the cross-entropy family.
//
// Inputs are weighted fitness values (larger is better) where a failed evaluation is -inf (NaN is
// treated as -inf too). Ranks never look at the numbers themselves, only at their order, so a
// failed evaluation simply takes the worst rank and never enters an update as a number. Tied
// values share the average of the ranks (or utilities) they span, so the result does not depend
// on the order in which tied candidates arrived, and a generation of only failures shapes to
// all-equal values whose weighted sum of perturbations is zero.
#include <cstddef>
#include <span>
#include <vector>

namespace l2l::ranking {

// Indices ordered from the best to the worst fitness; ties keep their batch order.
std::vector<std::size_t> order_best_first(std::span<const double> fitness);

// Ascending ranks 0 (worst) .. n-1 (best), ties averaged.
std::vector<double> average_ranks(std::span<const double> fitness);

// Salimans et al. (2017): ranks scaled to [-0.5, 0.5]; zero for a single sample.
std::vector<double> centered_ranks(std::span<const double> fitness);

// Wierstra et al. (2014), eq. (19) with a zero baseline: the sample of rank k (1 = best) gets
// max(0, ln(n/2 + 1) - ln k) / sum_j max(0, ln(n/2 + 1) - ln j) - 1/n. They sum to zero.
std::vector<double> nes_utilities(std::span<const double> fitness);

// Fitness minus the mean of the finite values (failures get 0, i.e. no influence); the caller
// divides by the number of finite values. For "no shaping".
std::vector<double> centered_fitness(std::span<const double> fitness);

std::size_t count_finite(std::span<const double> fitness);

}  // namespace l2l::ranking
