// An exponential moving average of a network's parameters (Polyak averaging; the EMA generator of
// Karras et al. and of StyleGAN's training loops): a second network of the same type whose flat
// parameter buffer follows the trained one's, p_ema = decay * p_ema + (1 - decay) * p, after each
// update. It samples and is scored like the trained network, and is saved next to it.
//
// With warm-up, the t-th update (t = 0, 1, ...) uses min(decay, (1 + t) / (10 + t)), as
// TensorFlow's ExponentialMovingAverage does with num_updates: a short run then averages its
// recent weights instead of keeping decay^steps of the initial ones (at 0.999 over 2,340 steps,
// 9.6% of an untrained G, which draws mid-grey).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctnn/network/network.hpp"

namespace ctnn {

namespace detail {
/// avg[i] = decay * avg[i] + (1 - decay) * p[i] for i in [0, n): torch's p_ema.mul_(decay).add_(p,
/// alpha=1 - decay), element by element in T.
template <class Dev, class T>
void moving_average(T* avg, const T* p, index_t n, T decay) {
    const T rest = T(1) - decay;
    Dev::for_each(n, [=] CTNN_HD(index_t i) { avg[i] = decay * avg[i] + rest * p[i]; });
}
}  // namespace detail

/// The moving average of the parameters of a Network<Net, Dev, T> (the source): a network of its
/// own that starts as a copy of the source and, at each update(source), moves its flat parameter
/// buffer toward the source's by 1 - decay (padding stays zero) and copies the source's buffers
/// (BatchNorm's running statistics, as StyleGAN2's G_ema does), so that in eval mode it
/// normalises as the source does. The source's parameters lie in the same order in its buffer.
template <class Net, Device Dev = Cpu, class T = float>
class Ema {
public:
    /// Averages `source` with `decay` in [0, 1) (std::invalid_argument otherwise), from its
    /// present parameters and buffers; with `warmup`, each update's decay is at most
    /// (1 + t) / (10 + t), t the updates made before it.
    Ema(Network<Net, Dev, T>& source, double decay, bool warmup = false)
        : averaged_(own_rng_), decay_(checked(decay)), warmup_(warmup) {
        Dev::copy(source.parameters().values(), source.parameters().size(), averaged_.parameters().values());
        copy_buffers(source);
        averaged_.eval();
    }
    Ema(const Ema&) = delete;
    Ema& operator=(const Ema&) = delete;

    /// One step of the average toward source's parameters (after each optimizer step).
    void update(Network<Net, Dev, T>& source) {
        detail::moving_average<Dev>(averaged_.parameters().values(), source.parameters().values(),
                                    source.parameters().size(), static_cast<T>(decay_at(updates_)));
        ++updates_;
        copy_buffers(source);
    }

    /// The decay of the update made after `t` others.
    double decay_at(std::int64_t t) const {
        return warmup_ ? std::min(decay_, (1.0 + static_cast<double>(t)) / (10.0 + static_cast<double>(t))) : decay_;
    }

    /// The averaged network (in eval mode), to sample, score, save and load.
    Network<Net, Dev, T>& network() { return averaged_; }
    /// The decay.
    double decay() const { return decay_; }
    /// Whether the decay warms up.
    bool warmup() const { return warmup_; }
    /// Updates made: a checkpoint's counter, so that a resumed warm-up continues where it was.
    std::int64_t& updates() { return updates_; }

private:
    static double checked(double decay) {
        if (!(decay >= 0 && decay < 1))
            throw std::invalid_argument("ctnn::Ema: decay " + std::to_string(decay) + " is not in [0, 1)");
        return decay;
    }

    void copy_buffers(Network<Net, Dev, T>& source) {
        std::vector<const T*> values;
        std::vector<std::int64_t> counts;
        source.visit_buffers([&](const std::string&, auto& b) {
            if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
                counts.push_back(b);
            else
                values.push_back(b.data());
        });
        std::size_t v = 0, c = 0;
        averaged_.visit_buffers([&](const std::string&, auto& b) {
            if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
                b = counts[c++];
            else
                Dev::copy(values[v++], b.size(), b.data());
        });
    }

    // Draws the averaged network's first parameters (overwritten by the source's at once), so
    // that making an Ema leaves the run's own Rng where it was.
    Rng own_rng_{0};
    Network<Net, Dev, T> averaged_;
    double decay_;
    bool warmup_;
    std::int64_t updates_ = 0;
};

}  // namespace ctnn
