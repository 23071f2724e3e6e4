// Train/eval mode and how a backward pass treats parameters.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ctnn/core/config.hpp"
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

/// Which batch statistics BatchNorm normalises with when R ranks train one model, each on its
/// share of the global batch (docs/distributed.md):
/// - `global`: those of the global batch, reduced over the ranks (PyTorch's SyncBatchNorm): the
///   model one process trains on the global batch;
/// - `per_rank`: those of the rank's own share (PyTorch's BatchNorm under DDP); the running
///   statistics are still averaged over the ranks after each update, so every rank holds the same.
enum class BatchStats { global, per_rank };

/// A data-parallel run as a layer sees it: this rank among R, and the communicator's mean over
/// the ranks, type-erased so that layers are not templates on the communicator. One process
/// (the default) has no mean and reduces nothing.
struct DataParallel {
    /// This rank, in [0, ranks).
    int rank = 0;
    /// How many ranks train the model.
    int ranks = 1;
    /// Which batch statistics BatchNorm uses across ranks.
    BatchStats stats = BatchStats::global;
    /// The communicator mean_float and mean_double are called with.
    void* comm = nullptr;
    /// The communicator's mean() over float values; null in one process.
    void (*mean_float)(void* comm, float* values, index_t n) = nullptr;
    /// The same over double values.
    void (*mean_double)(void* comm, double* values, index_t n) = nullptr;

    /// Whether the batch statistics are the global batch's, averaged over several ranks.
    bool global_stats() const { return ranks > 1 && stats == BatchStats::global; }

    /// Replaces the n values at p (in the device's memory) on every rank by their mean over the
    /// ranks, added in rank order: a collective, which every rank calls in the same order. Does
    /// nothing in one process.
    template <class T>
    void mean(T* p, index_t n) const {
        if (ranks <= 1) return;
        if constexpr (std::is_same_v<T, float>)
            mean_float(comm, p, n);
        else if constexpr (std::is_same_v<T, double>)
            mean_double(comm, p, n);
        else
            static_assert(std::is_same_v<T, float>, "ctnn: data-parallel statistics are float or double");
    }
};

/// What a forward pass needs besides its input.
struct ForwardContext {
    /// train or eval: how Dropout and BatchNorm behave in this pass.
    Mode mode = Mode::train;
    Rng* rng = nullptr;  ///< drives Dropout; required in train mode for networks that have one
    /// The run's ranks: BatchNorm reduces its statistics over them.
    DataParallel parallel{};
    /// Where this rank's batch lies in the global batch: it is made of pieces of `piece` samples
    /// (0: one piece, the whole batch), and local sample i of a piece k is global sample
    /// k * piece * ranks + rank * piece + i. Dropout draws its masks by global index, so R ranks
    /// draw what one process draws. A GAN's joint D batch (real, then generated) is two pieces.
    index_t piece = 0;
    /// A conditional network's class labels, one per sample of the batch (Network::forward(x,
    /// labels)), which its ConcatLabel layers read; null otherwise.
    const std::int32_t* labels = nullptr;
};

}  // namespace ctnn
