// im2col and col2im for a batch of images, written once for every device. col2im is a gather
// (each input pixel sums the columns that read it), so parallel devices need no atomics.
#pragma once

#include <algorithm>

#include "ctnn/core/config.hpp"
#include "ctnn/device/workspace.hpp"

namespace ctnn::detail {

/// The geometry of a 2-D convolution from a C x H x W image to OH x OW positions.
struct ConvGeometry {
    index_t C, H, W, K, S, P, OH, OW;
    CTNN_HD constexpr index_t image_size() const { return C * H * W; }
    CTNN_HD constexpr index_t rows() const { return C * K * K; }  ///< rows of one sample's column matrix
    CTNN_HD constexpr index_t cols() const { return OH * OW; }
    CTNN_HD constexpr index_t column_size() const { return rows() * cols(); }
};

/// Whether a host device's thread can hold one zero-bordered image plane of G on its stack (and
/// in its L1 cache): then im2col and col2im go through it, with fixed strides and no bounds test
/// per element. The tests kept g++'s code scalar and branchy (im2col was 5% of the 64x64 DCGAN's
/// step); through the plane it vectorises.
template <ConvGeometry G, class Dev, class T>
inline constexpr bool padded_plane_path = Dev::host_loops && (G.H + 2 * G.P) * (G.W + 2 * G.P) * sizeof(T) <= 32768;

/// cols[(c K + kh) K + kw][n OH OW + oh OW + ow] = x[n][c][oh S - P + kh][ow S - P + kw], 0 in
/// padding: the samples' columns side by side in one rows() x (batch cols()) matrix, so that one
/// GEMM covers a block of samples (per-sample GEMMs are too small to keep the kernels busy). The
/// geometry is a template argument: its divisions become multiplications, its loops unroll.
template <ConvGeometry G, class Dev, class T>
void im2col(const T* x, T* cols, index_t batch) {
    static_assert((G.OH - 1) * G.S + G.K <= G.H + 2 * G.P && (G.OW - 1) * G.S + G.K <= G.W + 2 * G.P);
    if constexpr (padded_plane_path<G, Dev, T>) {
        // One item per image plane (n, c), copied once into a zero-bordered plane that its K x K
        // taps then read.
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
    } else {
        // One item per (row, sample): G.cols() contiguous outputs.
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
}

/// x[n][c][h][w] = sum of the cols entries im2col would read from that pixel (the adjoint). One
/// item per image plane (n, c): it clears the plane and adds each tap's row of columns into it,
/// reading the columns contiguously; no two items write the same pixel, so no atomics. Each pixel
/// receives its taps in (kh, kw) order on either path, so both give the same floats.
template <ConvGeometry G, class Dev, class T>
void col2im(const T* cols, T* x, index_t batch) {
    static_assert((G.OH - 1) * G.S + G.K <= G.H + 2 * G.P && (G.OW - 1) * G.S + G.K <= G.W + 2 * G.P);
    const index_t width = batch * G.cols();
    if constexpr (padded_plane_path<G, Dev, T>) {
        // Taps are added into a zero-bordered plane (what lands in the border is padding) whose
        // interior is then the image.
        constexpr index_t PH = G.H + 2 * G.P, PW = G.W + 2 * G.P;
        Dev::for_each(batch * G.C, [=](index_t item) {
            const index_t n = item % batch, c = item / batch;
            T pad[PH * PW];
            for (index_t i = 0; i < PH * PW; ++i) pad[i] = T(0);
            // Taps kw0 .. kw0 + S - 1 fill one contiguous stretch of a row between them (tap s
            // every S-th float from kw0 + s): added together, the stores are an interleaving that
            // g++ vectorises, where one tap's strided stores stayed scalar. A pixel still gets its
            // taps in (kh, kw) order: the group's taps reach different pixels.
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
    } else {
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
}

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
