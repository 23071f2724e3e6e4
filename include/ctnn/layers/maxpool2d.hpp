// MaxPool2d<Kernel, Stride, Padding>: torch.nn.MaxPool2d (floor mode, padding counts as -inf).
#pragma once

#include <cstdint>

#include "ctnn/layers/conv2d.hpp"

namespace ctnn {

/// The maximum of each Kernel x Kernel window (stride defaults to the kernel, as in PyTorch).
/// Backward sends each output's gradient to the input that was its maximum; the first one wins
/// a tie and NaN propagates, as in PyTorch.
template <index_t Kernel, index_t Stride = Kernel, index_t Padding = 0>
struct MaxPool2d {
    static_assert(Kernel > 0 && Stride > 0, "ctnn: MaxPool2d needs positive sizes");
    static_assert(2 * Padding <= Kernel, "ctnn: MaxPool2d's padding must be at most half its kernel (as in PyTorch)");
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "MaxPool2d";
    static constexpr index_t parameter_count = 0;
    static constexpr bool per_sample = true;
    static constexpr bool double_backward = true;  ///< see double_backward_v

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        using I = decltype(detail::checked_image<Position, MaxPool2d, 0, Kernel, Padding, In>());
        return Shape<I::dims[0], detail::window_out(I::dims[1], Kernel, Stride, Padding),
                     detail::window_out(I::dims[2], Kernel, Stride, Padding)>{};
    }

    ///@}

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, decltype(infer<error::unreported, In>()), Dev, T> {
        using Base = LayerBase<In, decltype(infer<error::unreported, In>()), Dev, T>;
        using Out = typename Base::out_shape;
        using Img = decltype(detail::checked_image<error::unreported, MaxPool2d, 0, Kernel, Padding, In>());
        static constexpr index_t H = Img::dims[1], W = Img::dims[2], OH = Out::dims[1], OW = Out::dims[2];
        static constexpr detail::ConvGeometry geo{Img::dims[0], H, W, Kernel, Stride, Padding, OH, OW};

    public:
        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            argmax_.resize(x.batch);
            Dev::template max_pool2d<geo>(x.data(), y.data(), argmax_.data(), x.batch);
        }

        void backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads) {
            if (dx.empty()) return;
            const T* g = dy.data();
            const std::int32_t* arg = argmax_.data();
            T* d = dx.data();
            // One item per plane: clear it, then send each output's gradient to its window's
            // maximum (windows may overlap; one item owns the plane, so no write conflicts).
            Dev::for_each(dx.batch * In::dims[0], [=] CTNN_HD(index_t plane) {
                T* d_plane = d + plane * H * W;
                for (index_t i = 0; i < H * W; ++i) d_plane[i] = T(0);
                for (index_t o = plane * OH * OW; o < (plane + 1) * OH * OW; ++o)
                    if (arg[o] >= 0) d_plane[arg[o]] += g[o];
            }, H * W);
        }

        /// dx sends dy to the maxima, which are fixed almost everywhere: ddy takes ddx at them
        /// (0 for a window without one, all NaN or padding).
        void double_backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview,
                             typename Base::in_view ddx, typename Base::out_view ddy, ParamGrads) {
            if (ddy.empty()) return;
            const T* d = ddx.data();
            const std::int32_t* arg = argmax_.data();
            T* g = ddy.data();
            Dev::for_each(ddy.size(), [=] CTNN_HD(index_t o) {
                const index_t plane = o / (OH * OW);
                g[o] = arg[o] >= 0 ? d[plane * H * W + arg[o]] : T(0);
            });
        }

    private:
        Tensor<Out, Dev, std::int32_t> argmax_;
    };
};

}  // namespace ctnn
