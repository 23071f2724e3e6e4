// The parameters Linear, Conv2d and ConvTranspose2d share: a weight and an optional per-channel
// bias, with PyTorch's names and initialisation.
#pragma once

#include "ctnn/core/parameters.hpp"
#include "ctnn/layers/init.hpp"
#include "ctnn/layers/layer.hpp"

namespace ctnn {

/// A layer with `weight` of shape WeightShape and, if Bias, `bias` of Channels values: views into
/// the network's flat parameter and gradient buffers.
template <AnyShape In, AnyShape Out, AnyShape WeightShape, index_t Channels, bool Bias, class Dev, class T>
struct WeightBiasLayer : LayerBase<In, Out, Dev, T> {
    /// @name Parameters
    ///@{

    /// The weight (WeightShape) and the bias (one value per output channel; empty views without
    /// Bias), each with its gradient: views that Network binds into its flat buffers.
    Parameter<WeightShape, Dev, T> weight, weight_grad;
    Parameter<Shape<Channels>, Dev, T> bias{nullptr, Bias ? 1u : 0u}, bias_grad{nullptr, Bias ? 1u : 0u};
    ///@}

    /// Calls f(prefix + "weight", weight, weight_grad) and, with Bias, f(prefix + "bias", bias,
    /// bias_grad): the LayerImpl visitor, with PyTorch's names.
    template <class F>
    void visit_parameters(const std::string& prefix, F&& f) {
        f(prefix + "weight", weight, weight_grad);
        if constexpr (Bias) f(prefix + "bias", bias, bias_grad);
    }

protected:
    /// A double backward's bias gradient, which is zero (a layer's input gradient does not depend
    /// on its bias): nothing to add, and zeros to store.
    void no_bias_gradient(ParamGrads pg) {
        if constexpr (Bias)
            if (pg == ParamGrads::overwrite) Dev::fill(bias_grad.data(), Channels, T(0));
    }

    /// PyTorch's reset_parameters(): weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    /// With `normal_weight` (the DCGAN scheme) the weight comes from N(0, 0.02) instead; the bias
    /// keeps PyTorch's default, as the reference DCGAN weights_init leaves it.
    void reset(Rng& rng, index_t fan_in, bool normal_weight) {
        if (normal_weight)
            init::normal(weight, rng, 0.0, 0.02);
        else
            init::kaiming_uniform_default(weight, rng, fan_in);
        if constexpr (Bias) init::kaiming_uniform_default(bias, rng, fan_in);
    }
};

}  // namespace ctnn
