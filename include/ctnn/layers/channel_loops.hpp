// Loops over the channels of a batch laid out N x C x HW, shared by BatchNorm and the bias
// gradients: per-channel sums in partial-sum lanes, and element-wise maps a row at a time.
#pragma once

#include <algorithm>

#include "ctnn/core/config.hpp"
#include "ctnn/device/device.hpp"

namespace ctnn::detail {

/// Partial sums per channel statistic. One running sum is a chain of dependent additions (one
/// per 4 cycles, and g++ may not reorder float additions); this many independent ones vectorise.
inline constexpr index_t stat_lanes = 16;

/// Calls f(lane, i) for the values i = (j C + c) HW + k of channel c in a batch of n samples of
/// C x HW values, each in one of stat_lanes partial sums: neighbouring values in different lanes,
/// every lane's values in index order. The same order on every device, so they agree bitwise.
template <index_t C, index_t HW, class F>
CTNN_HD void for_channel_lanes(index_t n, index_t c, F&& f) {
    for (index_t j = 0; j < n; ++j) {
        const index_t base = (j * C + c) * HW;
        if constexpr (HW >= stat_lanes) {
            constexpr index_t body = HW / stat_lanes * stat_lanes;
            for (index_t k = 0; k < body; k += stat_lanes)
                for (index_t l = 0; l < stat_lanes; ++l) f(l, base + k + l);
            for (index_t k = body; k < HW; ++k) f(k - body, base + k);
        } else {
            for (index_t k = 0; k < HW; ++k) f((j * HW + k) % stat_lanes, base + k);
        }
    }
}

/// The total of for_channel_lanes' partial sums, added pairwise in a fixed order.
template <class T>
CTNN_HD T lanes_total(T* lanes) {
    for (index_t width = stat_lanes / 2; width > 0; width /= 2)
        for (index_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
    return lanes[0];
}

/// For each channel c of a batch of n samples of C x HW values: the Sums sums over c's values i
/// of the terms value(i, c, t) writes to t[0], ..., t[Sums - 1], handed to result(c, totals).
/// Every sum is taken in for_channel_lanes' order, so all devices and paths give the same floats.
template <class T, index_t C, index_t HW, index_t Sums, class Dev, class Value, class Result>
void channel_sums(index_t n, Value value, Result result) {
    if constexpr (HW == 1 && Dev::host_loops) {
        // After Linear: a thread sweeps whole samples across a block of channels, which
        // vectorises (an item per channel would read a column, one float per cache line).
        constexpr index_t width = 64;
        Dev::for_each((C + width - 1) / width, [=](index_t blk) {
            const index_t c0 = blk * width, count = std::min(width, C - c0);
            T s[Sums][stat_lanes][width] = {};
            for (index_t j = 0; j < n; ++j)
                for (index_t k = 0; k < count; ++k) {
                    T t[Sums];
                    value(j * C + c0 + k, c0 + k, t);
                    for (index_t q = 0; q < Sums; ++q) s[q][j % stat_lanes][k] += t[q];
                }
            for (index_t k = 0; k < count; ++k) {
                T totals[Sums];
                for (index_t q = 0; q < Sums; ++q) {
                    T lanes[stat_lanes];
                    for (index_t l = 0; l < stat_lanes; ++l) lanes[l] = s[q][l][k];
                    totals[q] = lanes_total(lanes);
                }
                result(c0 + k, totals);
            }
        }, width * n * Sums);
    } else {
        Dev::for_each(C, [=] CTNN_HD(index_t c) {
            T s[Sums][stat_lanes] = {};
            for_channel_lanes<C, HW>(n, c, [&](index_t l, index_t i) {
                T t[Sums];
                value(i, c, t);
                for (index_t q = 0; q < Sums; ++q) s[q][l] += t[q];
            });
            T totals[Sums];
            for (index_t q = 0; q < Sums; ++q) totals[q] = lanes_total(s[q]);
            result(c, totals);
        }, n * HW * Sums);
    }
}

/// f(i, c) for every value i of a batch of n samples of C x HW values, c its channel. On host
/// threads an item is a row of contiguous values, whose loop vectorises with no index division:
/// one channel's HW values, or a sample's C values when HW is 1 (after Linear). On the GPU an
/// item is a value.
template <index_t C, index_t HW, class Dev, class F>
void for_each_channel_value(index_t n, F f) {
    if constexpr (Dev::host_loops) {
        constexpr index_t width = HW == 1 ? C : HW;
        Dev::for_each(HW == 1 ? n : n * C, [=](index_t row) {
            for (index_t k = 0; k < width; ++k) f(row * width + k, HW == 1 ? k : row % C);
        }, width);
    } else {
        Dev::for_each(n * C * HW, [=] CTNN_HD(index_t i) { f(i, i / HW % C); });
    }
}

}  // namespace ctnn::detail
