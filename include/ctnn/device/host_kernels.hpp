// The kernels of device/kernels.hpp in the form host threads run fastest: an item is a whole
// image plane or a row of contiguous values, with buffers on the thread's stack, so that g++
// vectorises the loops and computes no index division per element. Each gives the floats of the
// per-item form (the same operations in the same order); tests/unit/test_conv_layers.cpp and
// test_norm_layers.cpp check both forms against each other and the definition.
#pragma once

#include <algorithm>
#include <cstdint>

#include "ctnn/device/kernels.hpp"

namespace ctnn::detail {

/// Whether a host thread can hold one zero-bordered image plane of G on its stack (and in its L1
/// cache): then im2col and col2im go through it, with fixed strides and no bounds test per
/// element (with the bounds tests g++ left the loops scalar and branchy; im2col was 5% of the
/// 64x64 DCGAN's step).
template <ConvGeometry G, class T>
inline constexpr bool padded_plane_fits = (G.H + 2 * G.P) * (G.W + 2 * G.P) * sizeof(T) <= 32768;

/// Host-thread forms for device Dev (which derives from this class); the rest is per-item.
template <class Dev>
struct HostKernels : GenericKernels<Dev> {
    using Generic = GenericKernels<Dev>;

    template <ConvGeometry G, class T>
    static void im2col(const T* x, T* cols, index_t batch) {
        static_assert(G.fits());
        if constexpr (!padded_plane_fits<G, T>) {
            Generic::template im2col<G>(x, cols, batch);
        } else {
            // One item per image plane (n, c), copied once into a zero-bordered plane that its
            // K x K taps then read.
            constexpr index_t PH = G.H + 2 * G.P, PW = G.W + 2 * G.P;
            const index_t width = batch * G.cols();
            Dev::for_each(batch * G.C, [=](index_t item) {
                const index_t n = item % batch, c = item / batch;
                const T* img = x + (n * G.C + c) * G.H * G.W;
                T pad[PH * PW];
                for (index_t i = 0; i < G.P * PW; ++i) pad[i] = pad[(PH - G.P) * PW + i] = T(0);
                for (index_t h = 0; h < G.H; ++h) {
                    T* row = pad + (h + G.P) * PW;
                    for (index_t w = 0; w < G.P; ++w) row[w] = row[G.P + G.W + w] = T(0);
                    for (index_t w = 0; w < G.W; ++w) row[G.P + w] = img[h * G.W + w];
                }
                for (index_t kh = 0; kh < G.K; ++kh)
                    for (index_t kw = 0; kw < G.K; ++kw) {
                        T* out = cols + ((c * G.K + kh) * G.K + kw) * width + n * G.cols();
                        for (index_t oh = 0; oh < G.OH; ++oh) {
                            const T* in = pad + (oh * G.S + kh) * PW + kw;
                            for (index_t ow = 0; ow < G.OW; ++ow) out[oh * G.OW + ow] = in[ow * G.S];
                        }
                    }
            }, G.K * G.K * G.cols());
        }
    }

    template <ConvGeometry G, class T>
    static void col2im(const T* cols, T* x, index_t batch) {
        static_assert(G.fits());
        if constexpr (!padded_plane_fits<G, T>) {
            Generic::template col2im<G>(cols, x, batch);
        } else {
            // Taps are added into a zero-bordered plane (what lands in the border is padding)
            // whose interior is then the image.
            constexpr index_t PH = G.H + 2 * G.P, PW = G.W + 2 * G.P;
            const index_t width = batch * G.cols();
            Dev::for_each(batch * G.C, [=](index_t item) {
                const index_t n = item % batch, c = item / batch;
                T pad[PH * PW];
                for (index_t i = 0; i < PH * PW; ++i) pad[i] = T(0);
                // Taps kw0 .. kw0 + S - 1 fill one contiguous stretch of a row between them (tap
                // s every S-th float from kw0 + s): added together, the stores are an
                // interleaving that g++ vectorises, where one tap's strided stores stayed scalar.
                // A pixel still gets its taps in (kh, kw) order: the group's taps reach different
                // pixels.
                constexpr index_t group = G.K % G.S == 0 ? G.S : 1;
                for (index_t kh = 0; kh < G.K; ++kh)
                    for (index_t kw0 = 0; kw0 < G.K; kw0 += group) {
                        const T* src = cols + ((c * G.K + kh) * G.K + kw0) * width + n * G.cols();
                        for (index_t oh = 0; oh < G.OH; ++oh) {
                            T* out = pad + (oh * G.S + kh) * PW + kw0;
                            for (index_t ow = 0; ow < G.OW; ++ow)
                                for (index_t s = 0; s < group; ++s)
                                    out[ow * G.S + s] += src[s * width + oh * G.OW + ow];
                        }
                    }
                T* img = x + (n * G.C + c) * G.H * G.W;
                for (index_t h = 0; h < G.H; ++h)
                    for (index_t w = 0; w < G.W; ++w) img[h * G.W + w] = pad[(h + G.P) * PW + G.P + w];
            }, G.H * G.W * G.K * G.K);
        }
    }

    /// Without padding every window lies inside the image: one item per plane, no bounds tests
    /// or index arithmetic per element, and a branch-free maximum (the per-item form was 8% of a
    /// DCGAN step). The same visiting order and rule.
    template <ConvGeometry G, class T>
    static void max_pool2d(const T* x, T* out, std::int32_t* arg, index_t batch) {
        if constexpr (G.P != 0) {
            Generic::template max_pool2d<G>(x, out, arg, batch);
        } else {
            Dev::for_each(batch * G.C, [=](index_t plane) {
                const T* p = x + plane * G.H * G.W;
                for (index_t oh = 0; oh < G.OH; ++oh)
                    for (index_t ow = 0; ow < G.OW; ++ow) {
                        const index_t first = oh * G.S * G.W + ow * G.S;
                        T best = p[first];
                        index_t where = first;
                        for (index_t kh = 0; kh < G.K; ++kh)
                            for (index_t kw = kh == 0 ? 1 : 0; kw < G.K; ++kw) {
                                const index_t at = first + kh * G.W + kw;
                                const T v = p[at];
                                const bool take = pool_replaces(v, best);
                                best = take ? v : best;
                                where = take ? at : where;
                            }
                        const index_t o = plane * G.OH * G.OW + oh * G.OW + ow;
                        out[o] = best;
                        arg[o] = static_cast<std::int32_t>(where);
                    }
            }, G.H * G.W);
        }
    }

    /// After Linear (HW = 1) a thread sweeps whole samples across a block of channels, which
    /// vectorises (an item per channel would read a column, one float per cache line); the sums
    /// keep for_channel_lanes' lanes and order.
    template <class T, index_t C, index_t HW, index_t Sums, class Value, class Result>
    static void channel_sums(index_t n, Value value, Result result) {
        if constexpr (HW != 1) {
            Generic::template channel_sums<T, C, HW, Sums>(n, value, result);
        } else {
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
        }
    }

    /// An item is a row of contiguous values, whose loop vectorises with no index division: one
    /// channel's HW values, or a sample's C values when HW is 1 (after Linear).
    template <index_t C, index_t HW, class F>
    static void for_each_channel_value(index_t n, F f) {
        constexpr index_t width = HW == 1 ? C : HW;
        Dev::for_each(HW == 1 ? n : n * C, [=](index_t row) {
            for (index_t k = 0; k < width; ++k) f(row * width + k, HW == 1 ? k : row % C);
        }, width);
    }
};

}  // namespace ctnn::detail
