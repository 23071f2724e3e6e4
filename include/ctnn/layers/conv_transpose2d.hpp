// ConvTranspose2d<InC, OutC, Kernel, Stride, Padding, OutputPadding, Bias>: torch.nn.ConvTranspose2d
// with square kernels. Its forward pass is a convolution's input gradient (GEMM, then col2im) and
// its input gradient is a convolution's forward pass (im2col, then GEMM).
#pragma once

#include "ctnn/layers/conv2d.hpp"

namespace ctnn {

/// A transposed convolution: weight [InC, OutC, K, K] (PyTorch's layout) and bias [OutC].
/// Output (OutC, (H - 1) S - 2P + K + OutputPadding, ...). PyTorch draws the weight with
/// fan_in = OutC * K * K (its weight.size(1) * K * K); Init::dcgan draws it from N(0, 0.02).
template <index_t InC, index_t OutC, index_t Kernel, index_t Stride = 1, index_t Padding = 0,
          index_t OutputPadding = 0, bool Bias = true>
struct ConvTranspose2d {
    static_assert(InC > 0 && OutC > 0 && Kernel > 0 && Stride > 0, "ctnn: ConvTranspose2d needs positive sizes");
    static_assert(OutputPadding < Stride, "ctnn: ConvTranspose2d's output padding must be smaller than its stride (as in PyTorch)");
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "ConvTranspose2d";
    static constexpr index_t parameter_count = InC * OutC * Kernel * Kernel + (Bias ? OutC : 0);
    static constexpr bool per_sample = true;

    /// The output height (or width) for an input height (or width) `in`, as PyTorch computes it.
    static constexpr index_t out_size(index_t in) { return (in - 1) * Stride + Kernel + OutputPadding - 2 * Padding; }

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        // The output must be at least one pixel: (H - 1) S + K + OP > 2P.
        using I = decltype(detail::checked_image<Position, ConvTranspose2d, InC, 0, 0, In>());
        constexpr index_t least = [] {
            index_t h = 1;
            while ((h - 1) * Stride + Kernel + OutputPadding <= 2 * Padding) ++h;
            return h;
        }();
        if constexpr (I::dims[1] < least || I::dims[2] < least) {
            (void)sizeof(error::kernel_larger_than_input<Position, ConvTranspose2d, Shape<Kernel, Kernel>, In>);
            return Shape<OutC, out_size(least), out_size(least)>{};
        } else {
            return Shape<OutC, out_size(I::dims[1]), out_size(I::dims[2])>{};
        }
    }

    ///@}

    template <AnyShape In, class Dev, class T>
    class impl : public WeightBiasLayer<In, decltype(infer<error::unreported, In>()), Shape<InC, OutC, Kernel, Kernel>, OutC, Bias, Dev, T> {
        using Base = WeightBiasLayer<In, decltype(infer<error::unreported, In>()), Shape<InC, OutC, Kernel, Kernel>, OutC, Bias, Dev, T>;
        using Out = typename Base::out_shape;
        // The convolution this layer transposes: from the output image back to the input grid.
        using Img = decltype(detail::checked_image<error::unreported, ConvTranspose2d, InC, 0, 0, In>());
        static constexpr detail::ConvGeometry geo{OutC, Out::dims[1], Out::dims[2], Kernel, Stride, Padding,
                                                  Img::dims[1], Img::dims[2]};
        static constexpr index_t rows = geo.rows(), positions = geo.cols();

    public:
        using Base::bias, Base::bias_grad, Base::weight, Base::weight_grad;
        void reset_parameters(Rng& rng, Init scheme) { this->reset(rng, rows, scheme == Init::dcgan); }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            const index_t n = x.batch, width = n * positions;
            in_.resize(n);
            forward_batch_ = n;
            // [rows x InC] [InC x block positions] per block of samples, scattered into the image.
            detail::to_channel_major<Dev>(x.data(), in_.data(), n, InC, positions);
            detail::column_blocks<geo, Dev, T>(n, [&](T* cols, index_t first, index_t count) {
                Dev::gemm(Trans::yes, Trans::no, rows, count * positions, InC, T(1), weight.data(), rows,
                          in_.data() + first * positions, width, T(0), cols, count * positions);
                Dev::template col2im<geo>(cols, y.data() + first * geo.image_size(), count);
            });
            if constexpr (Bias) detail::add_channels<Dev>(bias.data(), y.data(), n, OutC, Out::dims[1] * Out::dims[2]);
        }

        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const index_t n = x.batch, width = n * positions;
            if (pg == ParamGrads::frozen && dx.empty()) return;
            // in_ holds the forward's x channel-major, InC rows of (forward batch x positions): a
            // backward through the leading samples alone (Network::backward_leading) would read
            // its rows at the wrong stride, so it lays out its own samples again.
            if (pg != ParamGrads::frozen && n != forward_batch_)
                detail::to_channel_major<Dev>(x.data(), in_.data(), n, InC, positions);
            detail::column_blocks<geo, Dev, T>(n, [&](T* cols, index_t first, index_t count) {
                const index_t w = count * positions;
                T* in_block = in_.data() + first * positions;  // x in channel-major order, then dx
                Dev::template im2col<geo>(dy.data() + first * geo.image_size(), cols, count);
                if (pg != ParamGrads::frozen)  // blocks after the first add to what the first wrote
                    Dev::gemm(Trans::no, Trans::yes, InC, rows, w, T(1), in_block, width, cols, w,
                              first == 0 ? gradient_beta<T>(pg) : T(1), weight_grad.data(), rows);
                if (!dx.empty())
                    Dev::gemm(Trans::no, Trans::no, InC, w, rows, T(1), weight.data(), rows, cols, w, T(0), in_block,
                              width);
            });
            if constexpr (Bias)
                if (pg != ParamGrads::frozen)
                    detail::channel_sums_into<OutC, Out::dims[1] * Out::dims[2], Dev>(dy.data(), bias_grad.data(), n,
                                                                                      pg);
            if (!dx.empty()) {
                detail::from_channel_major<Dev>(in_.data(), dx.data(), n, InC, positions, static_cast<const T*>(nullptr));
                forward_batch_ = 0;  // in_ holds dx now, not x
            }
        }

    private:
        Tensor<In, Dev, T> in_;  ///< x (forward), then dx, as InC x (batch positions); the columns are in workspace()
        index_t forward_batch_ = 0;  ///< the batch whose x in_ holds
    };
};

}  // namespace ctnn
