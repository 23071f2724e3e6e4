// Dropout<P>: in train mode each element is zeroed with probability P and the others are scaled by
// 1 / (1 - P), as torch.nn.Dropout; in eval mode it is the identity.
#pragma once

#include <stdexcept>
#include <vector>

#include "ctnn/core/real.hpp"
#include "ctnn/layers/layer.hpp"

namespace ctnn {

/// Dropout with drop probability P (PyTorch's default 0.5). The mask comes from the forward
/// context's Rng, drawn on the host so that a seed gives the same mask on every device and in
/// float and double.
template <Real P = 0.5>
struct Dropout {
    static constexpr double p = P.value();
    static_assert(p >= 0 && p <= 1, "ctnn: Dropout's probability must lie in [0, 1]");
    static constexpr std::string_view type_name = "Dropout";
    static constexpr index_t parameter_count = 0;
    /// What a kept element is multiplied by; with P = 1 nothing is kept and the output is zero.
    static constexpr double scale = p < 1 ? 1 / (1 - p) : 0;

    template <index_t, AnyShape In>
    static consteval auto infer() {
        return In{};
    }

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
            host_mask_.resize(x.size());
            for (T& v : host_mask_)
                v = ctx.rng->uniform<double>() < p ? T(0) : static_cast<T>(scale);
            mask_.resize(x.batch);
            mask_.copy_from_host(host_mask_);
            const T* in = x.data();
            const T* m = mask_.data();
            T* out = y.data();
            Dev::for_each(x.size(), [=] CTNN_HD(index_t i) { out[i] = in[i] * m[i]; });
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

    private:
        // The last forward's mask (0 or scale per element) on the device and where it was drawn.
        Tensor<In, Dev, T> mask_;
        std::vector<T> host_mask_;
        bool masked_ = false;
    };
};

}  // namespace ctnn
