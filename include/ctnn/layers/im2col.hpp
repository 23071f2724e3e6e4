// What the convolutions share around the devices' im2col and col2im (device/kernels.hpp): the
// blocks of samples whose columns are built at a time, and the reorders between a batch of
// images and the channel-major operand of one GEMM.
#pragma once

#include <algorithm>

#include "ctnn/core/config.hpp"
#include "ctnn/device/kernels.hpp"
#include "ctnn/device/workspace.hpp"

namespace ctnn::detail {

/// Calls f(cols, first, count) for consecutive blocks of `count` samples from `first` that cover
/// [0, batch), cols being room for one block's columns (workspace()). A block holds as many samples
/// as Dev::column_budget elements of columns allow (at least one): building, multiplying and
/// consuming them block by block keeps them in cache on host devices. The blocks depend on the
/// batch and the geometry alone, so results do not depend on the thread count.
template <ConvGeometry G, class Dev, class T, class F>
void column_blocks(index_t batch, F f) {
    const index_t block =
        std::clamp(Dev::column_budget / G.column_size(), index_t{1}, std::max(batch, index_t{1}));
    T* cols = workspace<Dev, T>(block * G.column_size());
    for (index_t first = 0; first < batch; first += block) f(cols, first, std::min(block, batch - first));
}

/// dst[c][n P + p] = src[n][c][p]: a batch of C x P samples as one C x (batch P) GEMM operand.
template <class Dev, class T>
void to_channel_major(const T* src, T* dst, index_t batch, index_t channels, index_t positions) {
    Dev::for_each(channels * batch, [=] CTNN_HD(index_t line) {  // line = c batch + n
        const index_t n = line % batch, c = line / batch;
        const T* from = src + (n * channels + c) * positions;
        T* to = dst + line * positions;
        for (index_t p = 0; p < positions; ++p) to[p] = from[p];
    }, positions);
}

/// dst[n][c][p] = src[c][n P + p] (+ bias[c] unless bias is null): the inverse of to_channel_major.
template <class Dev, class T>
void from_channel_major(const T* src, T* dst, index_t batch, index_t channels, index_t positions, const T* bias) {
    Dev::for_each(batch * channels, [=] CTNN_HD(index_t line) {  // line = n channels + c
        const index_t c = line % channels, n = line / channels;
        const T* from = src + (c * batch + n) * positions;
        T* to = dst + line * positions;
        const T b = bias ? bias[c] : T(0);
        for (index_t p = 0; p < positions; ++p) to[p] = from[p] + b;
    }, positions);
}

}  // namespace ctnn::detail
