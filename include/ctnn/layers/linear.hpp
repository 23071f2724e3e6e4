// Linear<In, Out, Bias>: y = x W^T + b, as torch.nn.Linear.
#pragma once

#include "ctnn/layers/bias.hpp"
#include "ctnn/layers/weight_bias.hpp"

namespace ctnn {

/// A fully connected layer from In to Out features. Weight [Out, In] and bias [Out], named
/// "weight" and "bias" as in PyTorch; initialised as PyTorch does. It needs a flat input: a
/// multi-dimensional one is a compile error that says to insert Flatten.
template <index_t In, index_t Out, bool Bias = true>
struct Linear {
    static_assert(In > 0 && Out > 0, "ctnn: Linear needs positive sizes");
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Linear";
    static constexpr index_t in_features = In;    ///< input features per sample (torch's in_features)
    static constexpr index_t out_features = Out;  ///< output features per sample
    static constexpr index_t parameter_count = In * Out + (Bias ? Out : 0);
    static constexpr bool per_sample = true;
    static constexpr bool double_backward = true;  ///< see double_backward_v

    template <index_t Position, AnyShape Got>
    static consteval auto infer() {
        if constexpr (Got::rank != 1)
            (void)sizeof(error::linear_needs_flat_input<Position, Linear, Shape<In>, Got>);
        else if constexpr (Got::size != In)
            (void)sizeof(error::input_shape_mismatch<Position, Linear, Shape<In>, Got>);
        return Shape<Out>{};
    }

    ///@}

    template <AnyShape, class Dev, class T>
    class impl : public WeightBiasLayer<Shape<In>, Shape<Out>, Shape<Out, In>, Out, Bias, Dev, T> {
        using Base = WeightBiasLayer<Shape<In>, Shape<Out>, Shape<Out, In>, Out, Bias, Dev, T>;

    public:
        using Base::bias, Base::bias_grad, Base::weight, Base::weight_grad;
        void reset_parameters(Rng& rng, Init) {
            // The DCGAN scheme leaves Linear layers at PyTorch's default, as the reference
            // weights_init (which only matches Conv and BatchNorm modules) does.
            this->reset(rng, In, false);
        }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            const index_t n = x.batch;
            T* out = y.data();
            // Start from the bias and let the GEMM accumulate onto it (beta = 1).
            if constexpr (Bias) detail::broadcast_channels<Dev>(bias.data(), out, n, Out, 1);
            times_weight(x.data(), out, n, Bias ? T(1) : T(0));
        }

        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const index_t n = x.batch;
            if (!dx.empty())
                Dev::gemm(Trans::no, Trans::no, n, In, Out, T(1), dy.data(), Out, weight.data(), In,
                          T(0), dx.data(), In);
            if (pg == ParamGrads::frozen) return;
            weight_gradient(dy.data(), x.data(), n, pg);
            if constexpr (Bias) detail::channel_sums_into<Out, 1, Dev>(dy.data(), bias_grad.data(), n, pg);
        }

        /// dx = dy W is linear in dy and does not depend on x or the bias: ddy = ddx W^T (forward
        /// without the bias), dW = dy^T ddx (backward's weight gradient with ddx for x), db = 0.
        void double_backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                             typename Base::in_view ddx, typename Base::out_view ddy, ParamGrads pg) {
            const index_t n = ddx.batch;
            if (!ddy.empty()) times_weight(ddx.data(), ddy.data(), n, T(0));
            if (pg == ParamGrads::frozen) return;
            weight_gradient(dy.data(), ddx.data(), n, pg);
            this->no_bias_gradient(pg);
        }

    private:
        /// out = in W^T + beta out, for n samples.
        void times_weight(const T* in, T* out, index_t n, T beta) {
            Dev::gemm(Trans::no, Trans::yes, n, Out, In, T(1), in, In, weight.data(), In, beta, out, Out);
        }
        /// dW (+)= dy^T in, for n samples.
        void weight_gradient(const T* dy, const T* in, index_t n, ParamGrads pg) {
            Dev::gemm(Trans::yes, Trans::no, Out, In, n, T(1), dy, Out, in, In, gradient_beta<T>(pg), weight_grad.data(), In);
        }
    };
};

}  // namespace ctnn
