// Scratch memory that a layer needs only inside one forward or one backward call (the columns of
// a convolution's GEMM). Layers share one buffer per device, scalar type and thread instead of
// each keeping its own: a DCGAN's convolutions then hold the largest layer's columns, not the sum.
#pragma once

#include "ctnn/core/config.hpp"

namespace ctnn {

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
