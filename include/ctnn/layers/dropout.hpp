// Dropout<P>: in train mode each element is zeroed with probability P and the others are scaled by
// 1 / (1 - P), as torch.nn.Dropout; in eval mode it is the identity.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "ctnn/core/random.hpp"
#include "ctnn/core/real.hpp"
#include "ctnn/layers/layer.hpp"

namespace ctnn {

namespace detail {
/// The least integer >= v, for a threshold the compiler computes.
constexpr double const_ceil(double v) {
    const auto i = static_cast<double>(static_cast<std::uint64_t>(v));
    return i < v ? i + 1 : i;
}
}  // namespace detail

/// Dropout with drop probability P (PyTorch's default 0.5). Each mask is seeded by one draw from
/// the forward context's Rng: a seed gives the same masks on every device and thread count, in
/// float and double.
template <Real P = 0.5>
struct Dropout {
    /// The drop probability P.
    static constexpr double p = P.value();
    static_assert(p >= 0 && p <= 1, "ctnn: Dropout's probability must lie in [0, 1]");
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Dropout";
    static constexpr index_t parameter_count = 0;
    static constexpr bool per_sample = true;  // every element's mask is its own draw
    /// What a kept element is multiplied by; with P = 1 nothing is kept and the output is zero.
    static constexpr double scale = p < 1 ? 1 / (1 - p) : 0;
    /// u < p exactly when bits >> 11 < ceil(p 2^53) (u: a 53-bit uniform in [0, 1)).
    static constexpr auto threshold = static_cast<std::uint64_t>(detail::const_ceil(p * 0x1.0p53));

    template <index_t, AnyShape In>
    static consteval auto infer() {
        return In{};
    }
    ///@}

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, In, Dev, T> {
        using Base = LayerBase<In, In, Dev, T>;

    public:
        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext& ctx) {
            // As in PyTorch, P = 0 passes the input through and draws nothing.
            masked_ = ctx.mode == Mode::train && p > 0;
            if (!masked_) {
                Dev::copy(x.data(), x.size(), y.data());
                return;
            }
            if (!ctx.rng)
                throw std::logic_error(
                    "ctnn::Dropout: train mode needs a random engine, but ForwardContext::rng is "
                    "null");
            mask_.resize(x.batch);
            const Draw draw{ctx.rng->bits(), x.data(), mask_.data(), y.data()};
            if (ctx.piece == 0) {
                Dev::for_each(x.size(), [=] CTNN_HD(index_t i) { draw(i, i); });
                return;
            }
            // One rank of a data-parallel run: element i is drawn at its index in the global
            // batch (ForwardContext::piece), so the ranks draw the masks one process draws. Every
            // rank drew the same seed: the Rng streams stay those of one process.
            const index_t piece = ctx.piece, offset = ctx.parallel.rank * piece,
                          stride = piece * ctx.parallel.ranks;
            Dev::for_each(x.size(), [=] CTNN_HD(index_t i) {
                const index_t sample = i / In::size;
                const index_t global = (sample / piece) * stride + offset + sample % piece;
                draw(i, global * In::size + i % In::size);
            });
        }

        void backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads) {
            if (dx.empty()) return;
            if (!masked_) {
                Dev::copy(dy.data(), dy.size(), dx.data());
                return;
            }
            const T* g = dy.data();
            const T* m = mask_.data();
            T* d = dx.data();
            Dev::for_each(dy.size(), [=] CTNN_HD(index_t i) { d[i] = g[i] * m[i]; });
        }

        /// One draw from the run's engine seeds a mask; element i keeps its input unless the
        /// global-th number of that SplitMix64 stream (global: i's index in the global batch),
        /// as a uniform u in [0, 1) with 53 bits, is below p (u < p exactly when bits >> 11 <
        /// ceil(p 2^53)). The mask is a function of the seed and the index alone: drawn in
        /// parallel where the data lives, the same on every device, thread count and rank count.
        /// Public: nvcc's device lambdas capture no private member types.
        struct Draw {
            std::uint64_t seed;
            const T* in;
            T *m, *out;
            CTNN_HD void operator()(index_t i, std::uint64_t global) const {
                constexpr T keep = static_cast<T>(scale);
                const std::uint64_t bits = splitmix64(seed + (global + 1) * 0x9E3779B97F4A7C15ULL);
                m[i] = (bits >> 11) < threshold ? T(0) : keep;
                out[i] = in[i] * m[i];
            }
        };

    private:
        // The last forward's mask (0 or scale per element), for backward.
        Tensor<In, Dev, T> mask_;
        bool masked_ = false;
    };
};

}  // namespace ctnn
