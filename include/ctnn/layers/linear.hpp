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
            Dev::gemm(Trans::no, Trans::yes, n, Out, In, T(1), x.data(), In, weight.data(), In,
                      Bias ? T(1) : T(0), out, Out);
        }

        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const index_t n = x.batch;
            if (!dx.empty())
                Dev::gemm(Trans::no, Trans::no, n, In, Out, T(1), dy.data(), Out, weight.data(), In,
                          T(0), dx.data(), In);
            if (pg == ParamGrads::frozen) return;
            Dev::gemm(Trans::yes, Trans::no, Out, In, n, T(1), dy.data(), Out, x.data(), In, gradient_beta<T>(pg),
                      weight_grad.data(), In);
            if constexpr (Bias) detail::channel_sums_into<Out, 1, Dev>(dy.data(), bias_grad.data(), n, pg);
        }
    };
};

}  // namespace ctnn
