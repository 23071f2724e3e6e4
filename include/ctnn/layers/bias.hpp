// Per-channel bias: broadcast onto an output before a GEMM accumulates onto it, and its gradient,
// shared by Linear (one position per channel) and the convolutions (H x W positions).
#pragma once

#include "ctnn/core/config.hpp"
#include "ctnn/core/mode.hpp"
#include "ctnn/device/device.hpp"

namespace ctnn::detail {

/// b[o] += (accumulate) or = (overwrite) the sum over the batch and positions of dy[n][o][p]: a
/// bias gradient.
template <index_t Channels, index_t Positions, class Dev, class T>
void channel_sums_into(const T* dy, T* b, index_t batch, ParamGrads pg) {
    const bool overwrite = pg == ParamGrads::overwrite;
    Dev::template channel_sums<T, Channels, Positions, 1>(
        batch, [=] CTNN_HD(index_t i, index_t, T* t) { t[0] = dy[i]; },
        [=] CTNN_HD(index_t o, const T* total) { b[o] = overwrite ? total[0] : b[o] + total[0]; });
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
