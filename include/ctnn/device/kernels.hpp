// The kernels layers and losses ask a device for, in the form every device can run: items of a
// few values each, written on Dev::for_each and Dev::sum with CTNN_HD bodies, so that the same
// code runs on Thrust's OpenMP system and on the GPU. A layer states what (an element-wise map, a
// channel sum, an im2col); a device inherits these forms or replaces them with faster ones of its
// own (device/host_kernels.hpp for host threads, device/cpu_math.hpp for Eigen's vectorised
// math). Every replacement gives the same floats, or says where it does not.
//
// They are static members of a class template at namespace scope, not lambdas inside the
// callers' generic lambdas: nvcc allows no device lambda inside a generic lambda.
#pragma once

#include <cstdint>

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

/// Whether window value v takes the maximum from best, scanning in row-major order: a larger
/// value (the first of equal ones stays, PyTorch's tie rule), or the first NaN, which then stays
/// (NaN propagates).
template <class T>
CTNN_HD bool pool_replaces(T v, T best) {
    return v > best || (v != v && best == best);
}

/// The kernels in per-item form, for device Dev (which derives from this class).
template <class Dev>
struct GenericKernels {
    /// y[i] = f(x[i]) for i in [0, n) (y may be x).
    template <class T, class F>
    static void map(index_t n, const T* x, T* y, F f) {
        Dev::for_each(n, [=] CTNN_HD(index_t i) { y[i] = f(x[i]); });
    }

    /// A loss that is a sum of term.value(x[i], y_i) over i in [0, n), y_i = y[i], or y_value
    /// where y is null. Unless g is null, also g[i] = term.grad(x[i], y_i) / div. Returns the sum
    /// (not divided).
    template <class T, class Term>
    static T loss_sum(Term term, index_t n, const T* x, const T* y, T y_value, T div, T* g) {
        if (g) Dev::for_each(n, [=] CTNN_HD(index_t i) { g[i] = term.grad(x[i], y ? y[i] : y_value) / div; });
        return Dev::template sum<T>(n, [=] CTNN_HD(index_t i) { return term.value(x[i], y ? y[i] : y_value); });
    }

    /// cols[(c K + kh) K + kw][n OH OW + oh OW + ow] = x[n][c][oh S - P + kh][ow S - P + kw], 0 in
    /// padding: the samples' columns side by side in one rows() x (batch cols()) matrix, so that
    /// one GEMM covers a block of samples. The geometry is a template argument: its divisions
    /// become multiplications, its loops unroll. One item per (row, sample): G.cols() outputs.
    template <ConvGeometry G, class T>
    static void im2col(const T* x, T* cols, index_t batch) {
        static_assert(G.fits());
        Dev::for_each(G.rows() * batch, [=] CTNN_HD(index_t line) {
            const index_t n = line % batch, r = line / batch;
            const index_t kw = r % G.K, kh = (r / G.K) % G.K, c = r / (G.K * G.K);
            const T* img = x + n * G.image_size() + c * G.H * G.W;
            T* out = cols + line * G.cols();
            for (index_t oh = 0; oh < G.OH; ++oh) {
                const index_t ih = oh * G.S + kh;  // shifted by P
                const bool row_inside = ih >= G.P && ih < G.H + G.P;
                for (index_t ow = 0; ow < G.OW; ++ow) {
                    const index_t iw = ow * G.S + kw;
                    out[oh * G.OW + ow] =
                        row_inside && iw >= G.P && iw < G.W + G.P ? img[(ih - G.P) * G.W + (iw - G.P)] : T(0);
                }
            }
        }, G.cols());
    }

    /// x[n][c][h][w] = sum of the cols entries im2col would read from that pixel (the adjoint).
    /// One item per image plane (n, c): it clears the plane and adds each tap's row of columns into
    /// it; no two items write the same pixel, so no atomics. Each pixel receives its taps in
    /// (kh, kw) order: every device's form must keep that order, so all give the same floats.
    template <ConvGeometry G, class T>
    static void col2im(const T* cols, T* x, index_t batch) {
        static_assert(G.fits());
        const index_t width = batch * G.cols();
        Dev::for_each(batch * G.C, [=] CTNN_HD(index_t plane) {
            const index_t c = plane % G.C, n = plane / G.C;
            T* img = x + plane * G.H * G.W;
            for (index_t i = 0; i < G.H * G.W; ++i) img[i] = T(0);
            for (index_t kh = 0; kh < G.K; ++kh)
                for (index_t kw = 0; kw < G.K; ++kw) {
                    const T* src = cols + ((c * G.K + kh) * G.K + kw) * width + n * G.cols();
                    for (index_t oh = 0; oh < G.OH; ++oh) {
                        const index_t ih = oh * G.S + kh;  // shifted by P
                        if (ih < G.P || ih >= G.H + G.P) continue;
                        for (index_t ow = 0; ow < G.OW; ++ow) {
                            const index_t iw = ow * G.S + kw;
                            if (iw >= G.P && iw < G.W + G.P) img[(ih - G.P) * G.W + (iw - G.P)] += src[oh * G.OW + ow];
                        }
                    }
                }
        }, G.H * G.W * G.K * G.K);
    }

    /// out[n][c][o] = the maximum of the K x K window of output position o in plane (n, c) of x
    /// (G.C planes per sample; padding counts as -inf), and arg[...] its index in the plane, as
    /// torch.nn.MaxPool2d: windows scanned in row-major order under pool_replaces' rule, which
    /// every form keeps.
    template <ConvGeometry G, class T>
    static void max_pool2d(const T* x, T* out, std::int32_t* arg, index_t batch) {
        Dev::for_each(batch * G.C * G.OH * G.OW, [=] CTNN_HD(index_t i) {
            const index_t ow = i % G.OW, oh = (i / G.OW) % G.OH, plane = i / (G.OH * G.OW);
            const T* p = x + plane * G.H * G.W;
            T best = T(0);
            std::int32_t where = -1;
            // Signed: the window may start in the padding.
            const auto h0 = static_cast<std::int64_t>(oh * G.S) - static_cast<std::int64_t>(G.P);
            const auto w0 = static_cast<std::int64_t>(ow * G.S) - static_cast<std::int64_t>(G.P);
            for (index_t kh = 0; kh < G.K; ++kh) {
                const std::int64_t h = h0 + static_cast<std::int64_t>(kh);
                if (h < 0 || h >= static_cast<std::int64_t>(G.H)) continue;
                for (index_t kw = 0; kw < G.K; ++kw) {
                    const std::int64_t w = w0 + static_cast<std::int64_t>(kw);
                    if (w < 0 || w >= static_cast<std::int64_t>(G.W)) continue;
                    const auto at = static_cast<index_t>(h * static_cast<std::int64_t>(G.W) + w);
                    const T v = p[at];
                    if (where < 0 || pool_replaces(v, best)) {
                        best = v;
                        where = static_cast<std::int32_t>(at);
                    }
                }
            }
            out[i] = best;
            arg[i] = where;
        });
    }

    /// For each channel c of a batch of n samples of C x HW values: the Sums sums over c's values
    /// i of the terms value(i, c, t) writes to t[0], ..., t[Sums - 1], handed to result(c, totals).
    /// Every sum is taken in for_channel_lanes' order, so all devices and forms give the same
    /// floats. One item per channel.
    template <class T, index_t C, index_t HW, index_t Sums, class Value, class Result>
    static void channel_sums(index_t n, Value value, Result result) {
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

    /// f(i, c) for every value i of a batch of n samples of C x HW values, c its channel. One item
    /// per value.
    template <index_t C, index_t HW, class F>
    static void for_each_channel_value(index_t n, F f) {
        Dev::for_each(n * C * HW, [=] CTNN_HD(index_t i) { f(i, i / HW % C); });
    }
};

}  // namespace ctnn::detail
