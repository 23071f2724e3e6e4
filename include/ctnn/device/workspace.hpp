// Scratch memory that a layer needs only inside one forward or one backward call (the columns of
// a convolution's GEMM). Layers share one buffer per device, scalar type and thread instead of
// each keeping its own: a DCGAN's convolutions then hold the largest layer's columns, not the sum.
#pragma once

#include "ctnn/core/config.hpp"

namespace ctnn {

namespace detail {
/// Elements of a convolution's columns that host devices build, multiply and consume at a time
/// (layers/im2col.hpp, column_blocks, which takes them from workspace()): 2 MB of floats, which
/// stay in cache between the three passes, where the whole batch's columns (up to 26 MB in the
/// MNIST DCGAN) went to memory and back three times. A GPU's device takes the batch at once.
inline constexpr index_t host_column_budget = index_t{1} << 19;
}  // namespace detail

/// At least `size` elements of scratch on Dev, valid until the next workspace<Dev, T> call on
/// this thread. It grows to the largest request and stays there, so a training step allocates
/// nothing once the first step has run (at the largest batch).
template <class Dev, class T>
T* workspace(index_t size) {
    // thread_local: layers of networks trained on different threads must not share it. Its
    // destructor runs at thread exit, before static objects (a GPU runtime's) are torn down.
    thread_local typename Dev::template storage<T> buffer;
    if (static_cast<index_t>(buffer.size()) < size) {
        buffer.clear();
        buffer.shrink_to_fit();  // release the old block before taking the larger one
        buffer.resize(size);
    }
    return Dev::data(buffer);
}

}  // namespace ctnn
