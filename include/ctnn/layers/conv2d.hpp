// Conv2d<InC, OutC, Kernel, Stride, Padding, Bias>: torch.nn.Conv2d with square kernels, by
// im2col + GEMM.
#pragma once

#include "ctnn/layers/bias.hpp"
#include "ctnn/layers/im2col.hpp"
#include "ctnn/layers/weight_bias.hpp"

namespace ctnn {

namespace detail {
/// The output size of a convolution or pooling window along one axis.
constexpr index_t conv_out(index_t in, index_t k, index_t s, index_t p) { return (in + 2 * p - k) / s + 1; }

/// The checks every 2-D layer makes on its input: a (C, H, W) image with Channels channels (any
/// channel count when Channels is 0) that the padded window fits in. Returns whether it fits.
template <index_t Position, class Layer, index_t Channels, index_t K, index_t P, AnyShape In>
consteval bool check_image_input() {
    if constexpr (In::rank != 3 || (Channels != 0 && In::dims[0] != Channels)) {
        (void)error::channel_mismatch<Position, Layer, Shape<Channels>, In>{};
        return false;
    } else if constexpr (K > In::dims[1] + 2 * P || K > In::dims[2] + 2 * P) {
        (void)error::kernel_larger_than_input<Position, Layer, Shape<K, K>,
                                              Shape<In::dims[1] + 2 * P, In::dims[2] + 2 * P>>{};
        return false;
    } else {
        return true;
    }
}
}  // namespace detail

/// A 2-D convolution: weight [OutC, InC, K, K] and bias [OutC], named as in PyTorch and drawn as
/// PyTorch draws them (Init::dcgan: weight from N(0, 0.02)). Output (OutC, (H + 2P - K)/S + 1, ...).
template <index_t InC, index_t OutC, index_t Kernel, index_t Stride = 1, index_t Padding = 0, bool Bias = true>
struct Conv2d {
    static_assert(InC > 0 && OutC > 0 && Kernel > 0 && Stride > 0, "ctnn: Conv2d needs positive sizes");
    static constexpr std::string_view type_name = "Conv2d";
    static constexpr index_t parameter_count = OutC * InC * Kernel * Kernel + (Bias ? OutC : 0);

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        if constexpr (detail::check_image_input<Position, Conv2d, InC, Kernel, Padding, In>())
            return Shape<OutC, detail::conv_out(In::dims[1], Kernel, Stride, Padding),
                         detail::conv_out(In::dims[2], Kernel, Stride, Padding)>{};
        else
            return Shape<OutC, 1, 1>{};
    }

    template <AnyShape In, class Dev, class T>
    class impl : public WeightBiasLayer<In, decltype(infer<0, In>()), Shape<OutC, InC, Kernel, Kernel>, OutC, Bias, Dev, T> {
        using Base = WeightBiasLayer<In, decltype(infer<0, In>()), Shape<OutC, InC, Kernel, Kernel>, OutC, Bias, Dev, T>;
        using Out = typename Base::out_shape;
        static constexpr detail::ConvGeometry geo{InC, In::dims[1], In::dims[2], Kernel, Stride, Padding,
                                                  Out::dims[1], Out::dims[2]};
        static constexpr index_t rows = geo.rows(), positions = geo.cols();

    public:
        using Base::bias, Base::bias_grad, Base::weight, Base::weight_grad;
        void reset_parameters(Rng& rng, Init scheme) { this->reset(rng, rows, scheme == Init::dcgan); }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            const index_t n = x.batch;
            cols_.resize(n);
            detail::im2col<Dev>(x.data(), cols_.data(), n, geo);
            if constexpr (Bias) detail::broadcast_channels<Dev>(bias.data(), y.data(), n, OutC, positions);
            for (index_t s = 0; s < n; ++s)
                Dev::gemm(Trans::no, Trans::no, OutC, positions, rows, T(1), weight.data(), rows,
                          cols_.data() + s * geo.column_size(), positions, Bias ? T(1) : T(0),
                          y.data() + s * Out::size, positions);
        }

        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const index_t n = x.batch;
            if (pg == ParamGrads::accumulate) {
                for (index_t s = 0; s < n; ++s)
                    Dev::gemm(Trans::no, Trans::yes, OutC, rows, positions, T(1), dy.data() + s * Out::size,
                              positions, cols_.data() + s * geo.column_size(), positions, T(1),
                              weight_grad.data(), rows);
                if constexpr (Bias) detail::channel_sums_add<Dev>(dy.data(), bias_grad.data(), n, OutC, positions);
            }
            if (dx.empty()) return;
            // The columns are spent once the weight gradient has them: reuse them for d(columns).
            for (index_t s = 0; s < n; ++s)
                Dev::gemm(Trans::yes, Trans::no, rows, positions, OutC, T(1), weight.data(), rows,
                          dy.data() + s * Out::size, positions, T(0), cols_.data() + s * geo.column_size(),
                          positions);
            detail::col2im<Dev>(cols_.data(), dx.data(), n, geo);
        }

    private:
        Tensor<Shape<geo.column_size()>, Dev, T> cols_;
    };
};

}  // namespace ctnn
