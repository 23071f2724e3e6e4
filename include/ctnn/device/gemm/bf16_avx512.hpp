// ctnn's own bf16 GEMM for CPUs with AVX512_BF16 (Cpu::gemm_bf16 in builds without oneDNN,
// gemm/bf16.hpp): float operands converted to bf16 while they are packed (vcvtne2ps2bf16, round to
// nearest even; a trained network's parameters come already rounded, as bf16 bits), products
// summed in float by vdpbf16ps. No pass over the operands before the product: a library bf16 GEMM
// takes bf16 operands, which the Bf16Mixed policy would have to round into copies first.
//
// The blocking is the usual one of register-tiled GEMMs (Goto's): a k-block of op(B), packed in
// micro-panels of kNr columns, stays in L2 while the rows of op(A), packed in micro-panels of kMr
// rows, sweep it; the micro-kernel keeps a kMr x kNr tile of C in registers. On several threads C
// is split as the fp32 GEMMs split it (GemmSplit), and the operand that every thread reads whole
// is packed once, all threads sharing the work. Each element of C is summed in one order, k-block
// by k-block and pair by pair, whatever the tile or block it falls in: results do not depend on
// the thread count.
//
// vcvtne2ps2bf16 flushes float denormals to zero and vdpbf16ps reads bf16 denormals as zero: the
// same products as rounding first (core/bf16.hpp keeps bf16 denormals). NaN and infinities pass.
#pragma once

#if !defined(__x86_64__) || defined(__CUDACC__) || !(defined(__clang__) || defined(__GNUC__))
#error "ctnn/device/gemm/bf16_avx512.hpp is for x86-64 host compilers (gemm/bf16.hpp includes it there)"
#endif

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "ctnn/device/aligned.hpp"
#include "ctnn/device/device.hpp"
#include "ctnn/device/gemm/split.hpp"
#include "ctnn/device/workspace.hpp"

// Compiled for these extensions whatever -march says; gemm/bf16.hpp calls in only where CPUID
// reports AVX512_BF16 (every such CPU has the rest).
#define CTNN_BF16_KERNEL_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,prfchw")))

namespace ctnn::detail::bf16k {

// Chosen by measurement on the seeds' products (a Zen 5, docs/precision.md): 8 x 2 vectors beat
// 8 x 3 and 12 x 2 within the noise or clearly.
inline constexpr index_t kMr = 8;         // rows of a C tile (a register each, broadcast from A)
inline constexpr index_t kNv = 2;         // vectors of 16 columns in a C tile
inline constexpr index_t kNr = 16 * kNv;  // columns of a C tile
inline constexpr index_t kKc = 256;       // k per block: a B micro-panel is 16 KiB, in L1
inline constexpr index_t kMc = 192;       // rows of op(A) per block: 96 KiB packed, in L2
inline constexpr index_t kNc = 1536;      // columns of op(B) per block: 768 KiB packed, in L2
inline constexpr index_t kAheadRows = 4;  // pairs of rows that packing prefetches ahead (lanes contiguous)
inline constexpr index_t kAheadPairs = 64;  // pairs that packing prefetches ahead (k contiguous)

/// The keys of the packed operands' buffers in workspace(): per thread, 64-byte aligned (the
/// micro-kernel's aligned loads), grown to the largest product's and kept.
struct PackedA : AlignedHostStorage {};
struct PackedB : AlignedHostStorage {};
struct PackedShared : AlignedHostStorage {};  // the operand all threads read, on the calling thread

/// A matrix X(kk, l) = src[kk * sk + l * sl] read as pairs (X(2p, l), X(2p+1, l)): one of the
/// strides is 1 (lanes contiguous, or k contiguous). T is float (converted as it is packed) or
/// std::uint16_t (bf16 bits already rounded: a trained network's parameters, gemm/bf16.hpp).
template <class T>
struct Source {
    const T* src;
    index_t sk, sl;
    index_t k, lanes;  // extent: X is k x lanes (beyond it: zeros)
};

/// The mask of lanes l0..l0+15 that lie below `end`.
inline __mmask16 lanes_below(index_t end, index_t l0) {
    return end >= l0 + 16 ? __mmask16(0xFFFF) : end <= l0 ? __mmask16(0) : __mmask16((1u << (end - l0)) - 1);
}

/// Stores the 16 pairs of lanes l0..l0+15 at pair p into panels of width w (tile t of P pairs at
/// out + t * P * w), lanes below `end` only: in 8-lane halves, so that any w that is a multiple of
/// 8 works.
template <index_t w>
CTNN_BF16_KERNEL_TARGET inline void store_lanes(std::uint32_t* out, index_t pairs, index_t end, index_t p, index_t l0,
                                                __m512i v) {
    static_assert(w % 8 == 0);
    const auto at = [&](index_t l) { return out + (l / w) * pairs * w + p * w + l % w; };
    if (l0 % w + 16 <= w) {
        _mm512_storeu_si512(at(l0), v);
    } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(at(l0)), _mm512_castsi512_si256(v));
        if (l0 + 8 < end) _mm256_storeu_si256(reinterpret_cast<__m256i*>(at(l0 + 8)), _mm512_extracti64x4_epi64(v, 1));
    }
}

/// Lanes l0..l0+15 (those in `m`) of rows r0 and r1 (where k is odd, the last pair has no r1) as
/// 16 pairs (r0 in the low halves).
CTNN_BF16_KERNEL_TARGET inline __m512i row_pairs(const float* r0, const float* r1, __mmask16 m) {
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512 lo = _mm512_maskz_loadu_ps(m, r0);
    const __m512 hi = r1 ? _mm512_maskz_loadu_ps(m, r1) : _mm512_setzero_ps();
    return _mm512_permutexvar_epi16(interleave, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)));
}
CTNN_BF16_KERNEL_TARGET inline __m512i row_pairs(const std::uint16_t* r0, const std::uint16_t* r1, __mmask16 m) {
    const __m512i lo = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, r0));
    const __m512i hi = _mm512_cvtepu16_epi32(r1 ? _mm256_maskz_loadu_epi16(m, r1) : _mm256_setzero_si256());
    return _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16));
}

/// Packs a source whose lanes are contiguous (sl == 1), pairs [p_begin, p_end): each pair of rows
/// 2p, 2p+1, 16 lanes at a time.
template <index_t w, class T>
CTNN_BF16_KERNEL_TARGET inline void pack_interleave(const Source<T>& x, std::uint32_t* out, index_t lanes_padded,
                                                    index_t pairs, index_t p_begin, index_t p_end) {
    for (index_t p = p_begin; p < p_end; ++p) {
        const T* r0 = x.src + 2 * p * x.sk;
        const T* r1 = 2 * p + 1 < x.k ? r0 + x.sk : nullptr;
        for (index_t l0 = 0; l0 < lanes_padded; l0 += 16) {
            _mm_prefetch(reinterpret_cast<const char*>(r0 + 2 * kAheadRows * x.sk + l0), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(r0 + (2 * kAheadRows + 1) * x.sk + l0), _MM_HINT_T0);
            const __mmask16 m = lanes_below(x.lanes, l0);
            store_lanes<w>(out, pairs, lanes_padded, p, l0, row_pairs(r0 + l0, r1 ? r1 + l0 : nullptr, m));
        }
    }
}

/// Transposes 16 vectors of 16 uint32 (v[r] lane c becomes v[c] lane r).
CTNN_BF16_KERNEL_TARGET inline void transpose16(__m512i v[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        v[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        v[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        v[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        v[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    // v[4g + j] now holds, in each 128-bit lane q, rows 4g..4g+3 of column 4q + j.
    for (int g = 0; g < 4; g += 2)
        for (int j = 0; j < 4; ++j) {
            t[4 * g + j] = _mm512_shuffle_i32x4(v[4 * g + j], v[4 * (g + 1) + j], 0x88);
            t[4 * (g + 1) + j] = _mm512_shuffle_i32x4(v[4 * g + j], v[4 * (g + 1) + j], 0xDD);
        }
    for (int j = 0; j < 4; ++j) {
        v[j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0x88);
        v[8 + j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0xDD);
        v[4 + j] = _mm512_shuffle_i32x4(t[4 + j], t[12 + j], 0x88);
        v[12 + j] = _mm512_shuffle_i32x4(t[4 + j], t[12 + j], 0xDD);
    }
}

/// Pairs p0..p0+15 of one lane whose k is contiguous (k values at row[0..31], those below k_end).
CTNN_BF16_KERNEL_TARGET inline __m512i lane_pairs(const float* row, index_t k_begin, index_t k_end) {
    const __m512 lo = _mm512_maskz_loadu_ps(lanes_below(k_end, k_begin), row);
    const __m512 hi = _mm512_maskz_loadu_ps(lanes_below(k_end, k_begin + 16), row + 16);
    return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo));
}
CTNN_BF16_KERNEL_TARGET inline __m512i lane_pairs(const std::uint16_t* row, index_t k_begin, index_t k_end) {
    const __mmask32 m = lanes_below(k_end, k_begin) | (__mmask32{lanes_below(k_end, k_begin + 16)} << 16);
    return _mm512_maskz_loadu_epi16(m, row);
}

/// Packs a source whose k is contiguous (sk == 1), lanes [l_begin, l_end): each lane's 32 values
/// (16 pairs), then 16 lanes transposed.
template <index_t w, class T>
CTNN_BF16_KERNEL_TARGET inline void pack_transpose(const Source<T>& x, std::uint32_t* out, index_t lanes_padded,
                                                   index_t pairs, index_t l_begin, index_t l_end) {
    for (index_t l0 = l_begin; l0 < l_end; l0 += 16) {
        for (index_t p0 = 0; p0 < pairs; p0 += 16) {
            __m512i v[16];
            for (index_t r = 0; r < 16; ++r) {
                if (l0 + r < x.lanes) {
                    const T* row = x.src + (l0 + r) * x.sl + 2 * p0;
                    _mm_prefetch(reinterpret_cast<const char*>(row + 2 * kAheadPairs), _MM_HINT_T0);
                    _mm_prefetch(reinterpret_cast<const char*>(row + 2 * kAheadPairs + 16), _MM_HINT_T0);
                    v[r] = lane_pairs(row, 2 * p0, x.k);
                } else {
                    v[r] = _mm512_setzero_si512();
                }
            }
            transpose16(v);
            for (index_t q = 0; q < 16 && p0 + q < pairs; ++q)
                store_lanes<w>(out, pairs, lanes_padded, p0 + q, l0, v[q]);
        }
    }
}

/// Packs X (k x lanes, zero-padded to a multiple of w lanes and an even k) into panels of w lanes:
/// panel t holds pairs 0..P-1 of lanes tw..tw+w-1 at out + t * P * w, P = ceil(k / 2). Part `part`
/// of `parts`: the source's rows split in even ranges (pairs of rows where the lanes are
/// contiguous, groups of 16 lanes where k is), so that each of `parts` threads reads the rows
/// that it wrote where the source was split so too.
template <index_t w, class T>
CTNN_BF16_KERNEL_TARGET inline void pack(const Source<T>& x, std::uint32_t* out, index_t part = 0, index_t parts = 1) {
    const index_t pairs = (x.k + 1) / 2, lanes_padded = (x.lanes + w - 1) / w * w;
    if (x.sl == 1) {
        pack_interleave<w, T>(x, out, lanes_padded, pairs, pairs * part / parts, pairs * (part + 1) / parts);
    } else {
        const index_t groups = (lanes_padded + 15) / 16;
        pack_transpose<w, T>(x, out, lanes_padded, pairs, 16 * (groups * part / parts),
                          std::min(lanes_padded, 16 * (groups * (part + 1) / parts)));
    }
}

/// C tile (rows x cols of at most kMr x kNr, at c) = alpha * sum + beta * C, the sum over `pairs`
/// pairs of the packed micro-panels a (kMr lanes) and b (kNr lanes). beta == 0 does not read C.
/// Not inlined: inlined into its caller, g++ 12 spilled an accumulator to the stack, whose
/// store-to-load chain halved the product's speed.
__attribute__((noinline)) CTNN_BF16_KERNEL_TARGET inline void micro_kernel(index_t pairs, const std::uint32_t* a,
                                                                           const std::uint32_t* b, float* c,
                                                                           index_t ldc, index_t rows, index_t cols,
                                                                           float alpha, float beta) {
    // The next tile's rows of C (the caller's next call), in cache by the time that call stores them:
    // C's rows are a page apart, which no hardware prefetcher follows.
    for (index_t i = kMr; i < 2 * kMr && i < rows; ++i) {
        __builtin_prefetch(c + i * ldc, 1, 3);
        __builtin_prefetch(c + i * ldc + 16, 1, 3);
        __builtin_prefetch(c + i * ldc + cols - 1, 1, 3);
    }
    // The tile lives in registers only if every loop over it is unrolled, which compilers do not
    // all do unasked (g++ 12 leaves a 12 x 2 tile in memory, 30 times slower).
    __m512 acc[kMr][kNv];
#pragma GCC unroll 16
    for (index_t i = 0; i < kMr; ++i)
#pragma GCC unroll 4
        for (index_t j = 0; j < kNv; ++j) acc[i][j] = _mm512_setzero_ps();
    for (index_t p = 0; p < pairs; ++p) {
        __m512bh bv[kNv];
#pragma GCC unroll 4
        for (index_t j = 0; j < kNv; ++j) bv[j] = reinterpret_cast<__m512bh>(_mm512_load_si512(b + p * kNr + 16 * j));
#pragma GCC unroll 16
        for (index_t i = 0; i < kMr; ++i) {
            const __m512bh av = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(a[p * kMr + i])));
#pragma GCC unroll 4
            for (index_t j = 0; j < kNv; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], av, bv[j]);
        }
    }
    // The usual tile, whole and unscaled, without the masks and multiplications (2% of an MLP GAN step).
    if (rows >= kMr && cols >= kNr && alpha == 1.0f && (beta == 0.0f || beta == 1.0f)) {
#pragma GCC unroll 16
        for (index_t i = 0; i < kMr; ++i)
#pragma GCC unroll 4
            for (index_t j = 0; j < kNv; ++j) {
                float* cij = c + i * ldc + 16 * j;
                _mm512_storeu_ps(cij, beta == 0.0f ? acc[i][j] : _mm512_add_ps(acc[i][j], _mm512_loadu_ps(cij)));
            }
        return;
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (index_t i = 0; i < kMr; ++i) {
        if (i >= rows) break;
#pragma GCC unroll 4
        for (index_t j = 0; j < kNv; ++j) {
            const __mmask16 m = lanes_below(cols, 16 * j);
            if (m == 0) break;
            float* cij = c + i * ldc + 16 * j;
            __m512 r = alpha == 1.0f ? acc[i][j] : _mm512_mul_ps(va, acc[i][j]);
            if (beta != 0.0f) r = _mm512_add_ps(r, beta == 1.0f ? _mm512_maskz_loadu_ps(m, cij)
                                                                  : _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m, cij)));
            _mm512_mask_storeu_ps(cij, m, r);
        }
    }
}

/// Packed micro-panels: panel t's pair p at data + t * stride + p * w.
struct Panels {
    const std::uint32_t* data;
    index_t stride;
};

/// The operands' strides: op(A)(i, kk) as X(kk, i), op(B)(kk, j) as X(kk, j).
struct Layout {
    index_t a_sk, a_sl, b_sk, b_sl;
    Layout(Trans ta, Trans tb, index_t lda, index_t ldb)
        : a_sk(ta == Trans::no ? 1 : lda), a_sl(ta == Trans::no ? lda : 1), b_sk(tb == Trans::no ? ldb : 1),
          b_sl(tb == Trans::no ? 1 : ldb) {}
};

/// Row-major C[m x n] = alpha op(A) op(B) + beta C on this thread (k > 0), the float operands
/// converted to bf16 as they are packed. An operand already packed whole (all of k, from its
/// first row or column: `packed_a`, `packed_b`) is read from there instead.
template <class TA, class TB>
CTNN_BF16_KERNEL_TARGET inline void gemm_block(const Layout& lay, index_t m, index_t n, index_t k, float alpha,
                                               const TA* a, const TB* b, float beta, float* c, index_t ldc,
                                               const std::uint32_t* packed_a, const std::uint32_t* packed_b) {
    const index_t k_pairs = (k + 1) / 2, pairs_max = (std::min(k, kKc) + 1) / 2;
    std::uint32_t* ap =
        packed_a ? nullptr : workspace<PackedA, std::uint32_t>(pairs_max * ((std::min(m, kMc) + kMr - 1) / kMr * kMr));
    std::uint32_t* bp =
        packed_b ? nullptr : workspace<PackedB, std::uint32_t>(pairs_max * ((std::min(n, kNc) + kNr - 1) / kNr * kNr));
    for (index_t jc = 0; jc < n; jc += kNc) {
        const index_t nc = std::min(kNc, n - jc);
        for (index_t pc = 0; pc < k; pc += kKc) {
            const index_t kc = std::min(kKc, k - pc), pairs = (kc + 1) / 2;
            const Panels bs = packed_b ? Panels{packed_b + (jc * k_pairs + pc / 2 * kNr), k_pairs * kNr}
                                       : Panels{bp, pairs * kNr};
            if (!packed_b) pack<kNr, TB>({b + pc * lay.b_sk + jc * lay.b_sl, lay.b_sk, lay.b_sl, kc, nc}, bp);
            const float beta_block = pc == 0 ? beta : 1.0f;
            for (index_t ic = 0; ic < m; ic += kMc) {
                const index_t mc = std::min(kMc, m - ic);
                const Panels as = packed_a ? Panels{packed_a + (ic * k_pairs + pc / 2 * kMr), k_pairs * kMr}
                                           : Panels{ap, pairs * kMr};
                if (!packed_a) pack<kMr, TA>({a + pc * lay.a_sk + ic * lay.a_sl, lay.a_sk, lay.a_sl, kc, mc}, ap);
                for (index_t jr = 0; jr < nc; jr += kNr)
                    for (index_t ir = 0; ir < mc; ir += kMr)
                        micro_kernel(pairs, as.data + ir / kMr * as.stride, bs.data + jr / kNr * bs.stride,
                                     c + (ic + ir) * ldc + jc + jr, ldc, mc - ir, std::min(nc - jr, kNr), alpha,
                                     beta_block);
            }
        }
    }
}

/// The product of host_gemm_bf16 on the threads of `split` (split.hpp): the operand every thread
/// reads whole (op(B) where C's rows are split, op(A) where its columns are) is packed once, each
/// thread packing the rows of it that it most likely wrote, into a buffer they share; each thread
/// then packs its part of the other operand as it goes.
template <class TA, class TB>
void gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha, const TA* a, index_t lda, const TB* b,
          index_t ldb, float beta, float* c, index_t ldc, const GemmSplit& split) {
    const Layout lay(ta, tb, lda, ldb);
    if (split.threads <= 1) {
        gemm_block(lay, m, n, k, alpha, a, b, beta, c, ldc, nullptr, nullptr);
        return;
    }
    const index_t k_pairs = (k + 1) / 2;
    const index_t shared_lanes = split.rows ? (n + kNr - 1) / kNr * kNr : (m + kMr - 1) / kMr * kMr;
    std::uint32_t* shared = workspace<PackedShared, std::uint32_t>(k_pairs * shared_lanes);
#if defined(_OPENMP)
#pragma omp parallel num_threads(static_cast<int>(split.threads))
#endif
    {
        // Part t of the packing and block t of C for t = this thread, and the next ones where
        // OpenMP gave fewer threads than asked for.
#if defined(_OPENMP)
        const auto first = static_cast<index_t>(omp_get_thread_num());
        const auto step = static_cast<index_t>(omp_get_num_threads());
#else
        const index_t first = 0, step = 1;
#endif
        for (index_t t = first; t < split.threads; t += step) {
            if (split.rows)
                pack<kNr, TB>({b, lay.b_sk, lay.b_sl, k, n}, shared, t, split.threads);
            else
                pack<kMr, TA>({a, lay.a_sk, lay.a_sl, k, m}, shared, t, split.threads);
        }
#if defined(_OPENMP)
#pragma omp barrier
#endif
        for (index_t t = first; t < split.threads; t += step) {
            const index_t lo = split.start(t), hi = split.start(t + 1);
            if (split.rows)
                gemm_block(lay, hi - lo, n, k, alpha, a + lo * lay.a_sl, b, beta, c + lo * ldc, ldc, nullptr, shared);
            else
                gemm_block(lay, m, hi - lo, k, alpha, a, b + lo * lay.b_sl, beta, c + lo, ldc, shared, nullptr);
        }
    }
}

}  // namespace ctnn::detail::bf16k
