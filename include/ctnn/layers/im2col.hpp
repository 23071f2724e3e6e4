// im2col and col2im for a batch of images, written once for every device. col2im is a gather
// (each input pixel sums the columns that read it), so parallel devices need no atomics.
#pragma once

#include "ctnn/core/config.hpp"

namespace ctnn::detail {

/// The geometry of a 2-D convolution from a C x H x W image to OH x OW positions.
struct ConvGeometry {
    index_t C, H, W, K, S, P, OH, OW;
    CTNN_HD constexpr index_t image_size() const { return C * H * W; }
    CTNN_HD constexpr index_t rows() const { return C * K * K; }  ///< rows of one sample's column matrix
    CTNN_HD constexpr index_t cols() const { return OH * OW; }
    CTNN_HD constexpr index_t column_size() const { return rows() * cols(); }
};

/// cols[n][(c K + kh) K + kw][oh OW + ow] = x[n][c][oh S - P + kh][ow S - P + kw], 0 in padding.
template <class Dev, class T>
void im2col(const T* x, T* cols, index_t batch, ConvGeometry g) {
    Dev::for_each(batch * g.column_size(), [=] CTNN_HD(index_t i) {
        const index_t ow = i % g.OW, oh = (i / g.OW) % g.OH;
        const index_t r = (i / g.cols()) % g.rows(), n = i / g.column_size();
        const index_t kw = r % g.K, kh = (r / g.K) % g.K, c = r / (g.K * g.K);
        const index_t ih = oh * g.S + kh, iw = ow * g.S + kw;  // shifted by P
        const bool inside = ih >= g.P && ih < g.H + g.P && iw >= g.P && iw < g.W + g.P;
        cols[i] = inside ? x[n * g.image_size() + (c * g.H + (ih - g.P)) * g.W + (iw - g.P)] : T(0);
    });
}

/// x[n][c][h][w] = sum of the cols entries im2col would read from that pixel (the adjoint).
template <class Dev, class T>
void col2im(const T* cols, T* x, index_t batch, ConvGeometry g) {
    Dev::for_each(batch * g.image_size(), [=] CTNN_HD(index_t i) {
        const index_t w = i % g.W, h = (i / g.W) % g.H, c = (i / (g.H * g.W)) % g.C, n = i / g.image_size();
        const T* col = cols + n * g.column_size();
        T s = T(0);
        for (index_t kh = 0; kh < g.K; ++kh) {
            const index_t th = h + g.P;  // oh S + kh = h + P
            if (th < kh || (th - kh) % g.S != 0 || (th - kh) / g.S >= g.OH) continue;
            const index_t oh = (th - kh) / g.S;
            for (index_t kw = 0; kw < g.K; ++kw) {
                const index_t tw = w + g.P;
                if (tw < kw || (tw - kw) % g.S != 0 || (tw - kw) / g.S >= g.OW) continue;
                const index_t ow = (tw - kw) / g.S;
                s += col[((c * g.K + kh) * g.K + kw) * g.cols() + oh * g.OW + ow];
            }
        }
        x[i] = s;
    });
}

}  // namespace ctnn::detail
