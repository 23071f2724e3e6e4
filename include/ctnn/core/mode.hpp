// Train/eval mode and how a backward pass treats parameters.
#pragma once

#include "ctnn/core/random.hpp"

namespace ctnn {

/// PyTorch's module.train() / module.eval(): BatchNorm uses batch statistics and updates its
/// running ones in train mode; Dropout drops only in train mode.
enum class Mode { train, eval };

/// What a backward pass does with parameters. `frozen` computes the input gradient only and leaves
/// parameters and their accumulated gradients untouched: the generator step of a GAN propagates
/// through the discriminator this way (the seeds' `detach` / requires_grad=False).
enum class ParamGrads { accumulate, frozen };

/// What a forward pass needs besides its input.
struct ForwardContext {
    Mode mode = Mode::train;
    Rng* rng = nullptr;  ///< drives Dropout; required in train mode for networks that have one
};

}  // namespace ctnn
