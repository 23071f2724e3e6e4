// Per-channel bias: broadcast onto an output before a GEMM accumulates onto it, and its gradient,
// shared by Linear (one position per channel) and the convolutions (H x W positions).
#pragma once

#include <algorithm>
#include <type_traits>

#include "ctnn/core/config.hpp"
#include "ctnn/device/device.hpp"

namespace ctnn::detail {

/// b[o] += sum over the batch and positions of dy[n][o][p] (a bias gradient), one thread per o.
/// Each o's sum runs over n (then p) in the same order on every device and path.
template <class Dev, class T>
void channel_sums_add(const T* dy, T* b, index_t batch, index_t channels, index_t positions) {
    if constexpr (std::is_same_v<Dev, Cpu>) {
        if (positions == 1) {  // Linear: the Cpu sums whole rows into a block of o, which vectorises
            constexpr index_t width = 64;
            Dev::for_each((channels + width - 1) / width, [=](index_t blk) {
                const index_t o0 = blk * width, count = std::min(width, channels - o0);
                T s[width] = {};
                for (index_t n = 0; n < batch; ++n) {
                    const T* row = dy + n * channels + o0;
                    for (index_t j = 0; j < count; ++j) s[j] += row[j];
                }
                for (index_t j = 0; j < count; ++j) b[o0 + j] += s[j];
            }, width * batch);
            return;
        }
    }
    Dev::for_each(channels, [=] CTNN_HD(index_t o) {
        T s = T(0);
        for (index_t n = 0; n < batch; ++n)
            for (index_t p = 0; p < positions; ++p) s += dy[(n * channels + o) * positions + p];
        b[o] += s;
    }, batch * positions);
}

/// y[n][o][p] = b[o]: the bias a GEMM then accumulates onto. One item per sample: contiguous
/// writes and no index division per element.
template <class Dev, class T>
void broadcast_channels(const T* b, T* y, index_t batch, index_t channels, index_t positions) {
    Dev::for_each(batch, [=] CTNN_HD(index_t n) {
        T* row = y + n * channels * positions;
        if (positions == 1) {  // Linear: a plain copy of b, which vectorises (the nest below does not)
            for (index_t o = 0; o < channels; ++o) row[o] = b[o];
            return;
        }
        for (index_t o = 0; o < channels; ++o)
            for (index_t p = 0; p < positions; ++p) row[o * positions + p] = b[o];
    }, channels * positions);
}

/// y[n][o][p] += b[o].
template <class Dev, class T>
void add_channels(const T* b, T* y, index_t batch, index_t channels, index_t positions) {
    Dev::for_each(batch, [=] CTNN_HD(index_t n) {
        T* row = y + n * channels * positions;
        for (index_t o = 0; o < channels; ++o)
            for (index_t p = 0; p < positions; ++p) row[o * positions + p] += b[o];
    }, channels * positions);
}

}  // namespace ctnn::detail
