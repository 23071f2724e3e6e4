// The 2-D Swiss roll of seed 000 (generate_swiss_roll):
//
//     t = 1.5 * np.pi * (1 + 2 * torch.rand(n_samples))
//     x = t * torch.cos(t);  y = t * torch.sin(t)
//     data = torch.stack([x, y], dim=1) / 15.0
//
// t is uniform in [1.5 pi, 4.5 pi): one and a half turns with radius t / 15 in [0.314, 0.942), and
// no noise. The arithmetic is float32, in the notebook's order; the uniforms come from ctnn::Rng,
// one per point, so the points are the notebook's distribution, not torch's exact numbers.
#pragma once

#include <cmath>
#include <numbers>
#include <span>
#include <vector>

#include "ctnn/core/random.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/device/cpu.hpp"

namespace ctnn::data {

/// Fills out with out.size() / 2 points, interleaved (x0, y0, x1, y1, ...), computed in float32
/// whatever T is; out.size() must be even.
template <class T>
void swiss_roll(Rng& rng, std::span<T> out) {
    // torch multiplies a float32 tensor by the Python float 1.5 * pi: float32 arithmetic.
    const float turn = static_cast<float>(1.5 * std::numbers::pi);
    for (std::size_t i = 0; i + 1 < out.size(); i += 2) {
        const float t = turn * (1.0f + 2.0f * rng.uniform<float>());
        out[i] = static_cast<T>(t * std::cos(t) / 15.0f);
        out[i + 1] = static_cast<T>(t * std::sin(t) / 15.0f);
    }
}

/// n points as a flat vector (x0, y0, x1, y1, ...).
inline std::vector<float> swiss_roll(Rng& rng, index_t n) {
    std::vector<float> out(2 * n);
    swiss_roll(rng, std::span<float>(out));
    return out;
}

/// Real batches for a GAN on the Swiss roll: sample(n) draws n fresh points into a tensor on Dev,
/// reusing its buffers (no allocation once the largest batch has been drawn).
template <class Dev = Cpu, class T = float>
class SwissRoll {
public:
    /// Draws from rng, which must outlive the SwissRoll.
    explicit SwissRoll(Rng& rng) : rng_(&rng) {}

    /// n fresh points; the tensor is overwritten by the next call.
    const Tensor<Shape<2>, Dev, T>& sample(index_t n) {
        host_.resize(2 * n);
        swiss_roll(*rng_, std::span<T>(host_));
        out_.resize(n);
        out_.copy_from_host(host_);
        return out_;
    }

private:
    Rng* rng_;
    std::vector<T> host_;
    Tensor<Shape<2>, Dev, T> out_;
};

}  // namespace ctnn::data
