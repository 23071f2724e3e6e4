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

/// The output size of a window along one axis of a layer whose window may not fit (reported by
/// checked_image): then the input's size divided by the stride, as with "same" padding, so that
/// the layers after it see what they would have seen had the window fit.
constexpr index_t window_out(index_t in, index_t k, index_t s, index_t p) {
    return in + 2 * p >= k ? conv_out(in, k, s, p) : (in + s - 1) / s;
}

/// The image a 2-D layer that declares Channels channels (any count when Channels is 0) and a
/// K x K window with padding P takes its input In for, after checking In: In itself when it is
/// such an image, whatever the mistake in its channels. A flat input is read as square images
/// of those channels (what a missing Reshape meant), so that the layers after it see the shape
/// this layer was meant to produce.
template <index_t Position, class Layer, index_t Channels, index_t K, index_t P, AnyShape In>
consteval auto checked_image() {
    constexpr bool image = In::rank == 3;
    constexpr index_t c = Channels != 0 ? Channels : image ? In::dims[0] : 1;
    constexpr index_t side = [] {
        index_t r = 1;
        while ((r + 1) * (r + 1) * c <= In::size) ++r;
        return r;
    }();
    constexpr index_t h = image ? In::dims[1] : side, w = image ? In::dims[2] : side;
    if constexpr (!image || c != In::dims[0])
        (void)sizeof(error::channel_mismatch<Position, Layer, Shape<Channels>, In>);
    else if constexpr (K > h + 2 * P || K > w + 2 * P)
        (void)sizeof(error::kernel_larger_than_input<Position, Layer, Shape<K, K>, Shape<h + 2 * P, w + 2 * P>>);
    return Shape<c, h, w>{};
}
/// The geometry of a window layer's impl from the image Img (checked_image's reading of its
/// input) of C channels to OH x OW positions: Img's own in a valid network. After a reported
/// error the image is widened until the window fits, so that the impl compiles quietly.
template <index_t C, AnyShape Img, index_t K, index_t S, index_t P, index_t OH, index_t OW>
consteval ConvGeometry window_geometry() {
    const auto fit = [](index_t in, index_t out) {
        const index_t least = (out - 1) * S + K;  // the padded input the window needs
        return least > in + 2 * P ? least - 2 * P : in;
    };
    return {C, fit(Img::dims[1], OH), fit(Img::dims[2], OW), K, S, P, OH, OW};
}
}  // namespace detail

/// A 2-D convolution: weight [OutC, InC, K, K] and bias [OutC], named as in PyTorch and drawn as
/// PyTorch draws them (Init::dcgan: weight from N(0, 0.02)). Output (OutC, (H + 2P - K)/S + 1, ...).
template <index_t InC, index_t OutC, index_t Kernel, index_t Stride = 1, index_t Padding = 0, bool Bias = true>
struct Conv2d {
    static_assert(InC > 0 && OutC > 0 && Kernel > 0 && Stride > 0, "ctnn: Conv2d needs positive sizes");
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Conv2d";
    static constexpr index_t parameter_count = OutC * InC * Kernel * Kernel + (Bias ? OutC : 0);
    static constexpr bool per_sample = true;
    static constexpr bool double_backward = true;  ///< see double_backward_v

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        using I = decltype(detail::checked_image<Position, Conv2d, InC, Kernel, Padding, In>());
        return Shape<OutC, detail::window_out(I::dims[1], Kernel, Stride, Padding),
                     detail::window_out(I::dims[2], Kernel, Stride, Padding)>{};
    }

    ///@}

    template <AnyShape In, class Dev, class T>
    class impl : public WeightBiasLayer<In, decltype(infer<error::unreported, In>()), Shape<OutC, InC, Kernel, Kernel>, OutC, Bias, Dev, T> {
        using Base = WeightBiasLayer<In, decltype(infer<error::unreported, In>()), Shape<OutC, InC, Kernel, Kernel>, OutC, Bias, Dev, T>;
        using Out = typename Base::out_shape;
        using Img = decltype(detail::checked_image<error::unreported, Conv2d, InC, Kernel, Padding, In>());
        static constexpr detail::ConvGeometry geo =
            detail::window_geometry<InC, Img, Kernel, Stride, Padding, Out::dims[1], Out::dims[2]>();
        static constexpr index_t rows = geo.rows(), positions = geo.cols();

    public:
        using Base::bias, Base::bias_grad, Base::weight, Base::weight_grad;
        void reset_parameters(Rng& rng, Init scheme) { this->reset(rng, rows, scheme == Init::dcgan); }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            convolve(x.data(), y.data(), x.batch, Bias ? bias.data() : nullptr);
        }

        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const index_t n = x.batch, width = n * positions;
            if (pg == ParamGrads::frozen && dx.empty()) return;
            detail::to_channel_major<Dev>(dy.data(), out_.data(), n, OutC, positions);
            detail::column_blocks<geo, Dev, T>(n, [&](T* cols, index_t first, index_t count) {
                const index_t w = count * positions;
                const T* dy_block = out_.data() + first * positions;
                // The forward's columns are gone (the workspace is shared): im2col again, a copy,
                // cheap next to the GEMMs, rather than keep every layer's columns alive.
                if (pg != ParamGrads::frozen) weight_gradient_block(cols, x.data(), first, count, width, pg);
                if (dx.empty()) return;
                Dev::gemm(Trans::yes, Trans::no, rows, w, OutC, T(1), weight.data(), rows, dy_block, width, T(0),
                          cols, w);
                Dev::template col2im<geo>(cols, dx.data() + first * geo.image_size(), count);
            });
            if constexpr (Bias)
                if (pg != ParamGrads::frozen)
                    detail::channel_sums_into<OutC, positions, Dev>(dy.data(), bias_grad.data(), n, pg);
        }

        /// dx = col2im(W^T dy) is linear in dy and does not depend on x or the bias: ddy =
        /// W im2col(ddx) (forward without the bias), dW = dy im2col(ddx)^T (backward's weight
        /// gradient with ddx for x), db = 0.
        void double_backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                             typename Base::in_view ddx, typename Base::out_view ddy, ParamGrads pg) {
            const index_t n = ddx.batch;
            if (pg != ParamGrads::frozen) {
                out_.resize(n);
                detail::to_channel_major<Dev>(dy.data(), out_.data(), n, OutC, positions);
                detail::column_blocks<geo, Dev, T>(n, [&](T* cols, index_t first, index_t count) {
                    weight_gradient_block(cols, ddx.data(), first, count, n * positions, pg);
                });
                this->no_bias_gradient(pg);
            }
            if (!ddy.empty()) convolve(ddx.data(), ddy.data(), n, nullptr);  // after: convolve reuses out_
        }

    private:
        /// y = conv(x) (+ bias unless null) for n samples: [OutC x rows] [rows x block positions]
        /// per block of samples, into out_ as OutC x (batch positions), then back to n x OutC x
        /// positions.
        void convolve(const T* x, T* y, index_t n, const T* b) {
            const index_t width = n * positions;
            out_.resize(n);
            detail::column_blocks<geo, Dev, T>(n, [&](T* cols, index_t first, index_t count) {
                Dev::template im2col<geo>(x + first * geo.image_size(), cols, count);
                Dev::gemm(Trans::no, Trans::no, OutC, count * positions, rows, T(1), weight.data(), rows, cols,
                          count * positions, T(0), out_.data() + first * positions, width);
            });
            detail::from_channel_major<Dev>(out_.data(), y, n, OutC, positions, b);
        }

        /// dW (+)= dy im2col(in)^T over the block of `count` samples from `first` (dy in out_ as
        /// OutC x (batch positions), `width` wide); blocks after the first add to what the first
        /// wrote.
        void weight_gradient_block(T* cols, const T* in, index_t first, index_t count, index_t width, ParamGrads pg) {
            const index_t w = count * positions;
            Dev::template im2col<geo>(in + first * geo.image_size(), cols, count);
            Dev::gemm(Trans::no, Trans::yes, OutC, rows, w, T(1), out_.data() + first * positions, width, cols, w,
                      first == 0 ? gradient_beta<T>(pg) : T(1), weight_grad.data(), rows);
        }

        Tensor<Out, Dev, T> out_;  ///< y, then dy, as OutC x (batch positions); the columns are in workspace()
    };
};

}  // namespace ctnn
