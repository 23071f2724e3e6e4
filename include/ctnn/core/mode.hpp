// Train/eval mode and how a backward pass treats parameters.
#pragma once

#include "ctnn/core/random.hpp"

namespace ctnn {

/// PyTorch's module.train() / module.eval(): BatchNorm uses batch statistics and updates its
/// running ones in train mode; Dropout drops only in train mode.
enum class Mode { train, eval };

/// What a backward pass does with the parameters' gradients:
/// - `accumulate` adds dL/dparameters to them (PyTorch's backward; zero_grad() clears them);
/// - `overwrite` stores dL/dparameters in them, whatever they held: a training step's first
///   backward into a network, which then needs no zero_grad() pass, and whose gradient products
///   and sums do not read the old values (the trainers' steps, docs/training.md);
/// - `frozen` computes the input gradient only and leaves parameters and their gradients
///   untouched: the generator step of a GAN propagates through the discriminator this way (the
///   seeds' `detach` / requires_grad=False).
enum class ParamGrads { accumulate, overwrite, frozen };

/// The beta of a pass's parameter-gradient product (C = A B + beta C): 0 to overwrite, 1 to add.
template <class T>
constexpr T gradient_beta(ParamGrads pg) {
    return pg == ParamGrads::overwrite ? T(0) : T(1);
}

/// What a forward pass needs besides its input.
struct ForwardContext {
    /// train or eval: how Dropout and BatchNorm behave in this pass.
    Mode mode = Mode::train;
    Rng* rng = nullptr;  ///< drives Dropout; required in train mode for networks that have one
};

}  // namespace ctnn
