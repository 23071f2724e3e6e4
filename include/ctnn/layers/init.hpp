// Parameter initialisation with PyTorch's distributions, drawn on the host from the run's Rng.
#pragma once

#include <cmath>
#include <vector>

#include "ctnn/core/random.hpp"
#include "ctnn/core/tensor.hpp"

/// Parameter initialisation with PyTorch's distributions, drawn on the host from an Rng; layers'
/// reset_parameters use these.
namespace ctnn::init {

/// Every element from U(-bound, bound).
template <class Tn>
void uniform(Tn& t, Rng& rng, double bound) {
    using T = typename Tn::scalar;
    std::vector<T> v(t.size());
    for (auto& e : v) e = static_cast<T>(rng.uniform<double>(-bound, bound));
    t.copy_from_host(v);
}

/// Every element from N(mean, stddev).
template <class Tn>
void normal(Tn& t, Rng& rng, double mean, double stddev) {
    using T = typename Tn::scalar;
    std::vector<T> v(t.size());
    for (auto& e : v) e = static_cast<T>(rng.normal<double>(mean, stddev));
    t.copy_from_host(v);
}

/// torch.nn.init.kaiming_uniform_(w, a=sqrt(5)) as Linear and Conv layers use it: the bound
/// gain * sqrt(3 / fan_in) with gain sqrt(2 / (1 + a^2)) is 1 / sqrt(fan_in).
template <class Tn>
void kaiming_uniform_default(Tn& w, Rng& rng, index_t fan_in) {
    uniform(w, rng, 1.0 / std::sqrt(static_cast<double>(fan_in)));
}

}  // namespace ctnn::init
