// The Cpu's bf16 GEMM (Cpu::gemm_bf16, the kernel of the Bf16Mixed policy, device/bf16.hpp): float
// operands rounded to bf16 (round to nearest even, core/bf16.hpp), products summed in float.
//
// With CTNN_DNNL on a CPU with AVX512_BF16 (vdpbf16ps: two bf16 products per float lane and
// instruction) the rounded operands go to oneDNN's dnnl_gemm_bf16bf16f32, one single-threaded call
// per block of the fp32 GEMMs' split (gemm/split.hpp). Elsewhere the operands are rounded to bf16
// values held in floats and multiplied by host_gemm: a product of two bf16 is exact in float, so
// the numbers are those of a bf16 GEMM with float accumulation (up to the order of the sums), only
// not faster. vdpbf16ps reads bf16 denormals (below 1.2e-38) as zero; the fallback keeps them.
#pragma once

#include <cstdint>
#include <string>

#if defined(_OPENMP)
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
// The AVX512_BF16 conversion below, compiled for x86-64 hosts whatever -march says (it is chosen at
// run time); nvcc's front end is left the portable loop.
#if defined(__x86_64__) && !defined(__CUDACC__) && (defined(__clang__) || defined(__GNUC__))
#define CTNN_AVX512_BF16_CONVERT 1
#include <immintrin.h>

#include <cstring>
#endif

#include "ctnn/core/bf16.hpp"
#include "ctnn/device/gemm.hpp"
#include "ctnn/device/workspace.hpp"

namespace ctnn::detail {

/// Whether the CPU has AVX512_BF16 (CPUID leaf 7, sub-leaf 1, EAX bit 5).
inline bool cpu_has_avx512_bf16() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool has = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        return __get_cpuid_count(7, 1, &a, &b, &c, &d) != 0 && (a & (1u << 5)) != 0;
    }();
    return has;
#else
    return false;
#endif
}

#if defined(CTNN_DNNL)
/// Whether oneDNN may use its AVX512_BF16 kernels: the CPU has them and DNNL_MAX_CPU_ISA allows them.
inline bool dnnl_allows_bf16() {
    static const bool allowed = (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
    return allowed;
}
#endif

/// Whether host_gemm_bf16 runs oneDNN's bf16 kernels (else: rounded operands on host_gemm).
inline bool bf16_gemm_native() {
#if defined(CTNN_DNNL)
    return cpu_has_avx512_bf16() && dnnl_allows_bf16();
#else
    return false;
#endif
}

/// Which kernels host_gemm_bf16 runs, and why, for logs and benchmark reports.
inline std::string bf16_gemm_kernels() {
    if (bf16_gemm_native()) return "oneDNN dnnl_gemm_bf16bf16f32 (AVX512_BF16)";
#if defined(CTNN_DNNL)
    const std::string why = cpu_has_avx512_bf16() ? "oneDNN's ISA is limited below avx512_core_bf16 (DNNL_MAX_CPU_ISA)"
                                                  : "this CPU has no AVX512_BF16";
#else
    const std::string why = "built without CTNN_DNNL";
#endif
    return "bf16-rounded operands on the fp32 GEMM (" + why + ": the same numbers, no faster than fp32)";
}

#if defined(CTNN_AVX512_BF16_CONVERT)
/// to_bf16_n with vcvtne2ps2bf16, 32 floats an instruction: for CPUs with AVX512_BF16 (every such
/// CPU also has the F, BW and DQ subsets used here), 1.7-3 times the portable loop's rate on 128k
/// to 6.4M floats (the seeds' operands). The same bits as to_bf16 for every input: the instruction
/// rounds to nearest even as to_bf16 does but flushes denormals to zero and keeps a NaN's payload,
/// so 32 floats holding a denormal or a NaN (vfpclassps, which ignores MXCSR.DAZ) go the portable way.
__attribute__((target("avx512f,avx512bw,avx512dq,avx512bf16"))) inline void to_bf16_n_avx512(const float* x,
                                                                                                index_t n,
                                                                                                std::uint16_t* out) {
    constexpr int nan_or_denormal = 0x01 | 0x20 | 0x80;  // quiet NaN, denormal, signalling NaN
    index_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 lo = _mm512_loadu_ps(x + i), hi = _mm512_loadu_ps(x + i + 16);
        if ((_mm512_fpclass_ps_mask(lo, nan_or_denormal) | _mm512_fpclass_ps_mask(hi, nan_or_denormal)) != 0) {
            to_bf16_n(x + i, 32, out + i);
            continue;
        }
        const __m512bh packed = _mm512_cvtne2ps_pbh(hi, lo);
        std::memcpy(out + i, &packed, sizeof packed);
    }
    to_bf16_n(x + i, n - i, out + i);
}
#endif

/// to_bf16_n on this CPU's fastest kernel: to_bf16_n_avx512 where the CPU has AVX512_BF16.
inline void to_bf16_n_fastest(const float* x, index_t n, std::uint16_t* out) {
#if defined(CTNN_AVX512_BF16_CONVERT)
    if (cpu_has_avx512_bf16()) {
        to_bf16_n_avx512(x, n, out);
        return;
    }
#endif
    to_bf16_n(x, n, out);
}

/// dst[rows x cols] (packed) = convert(src[rows x cols], leading dimension ld), rows in parallel.
template <class Out, class Convert>
void convert_operand(const float* src, index_t rows, index_t cols, index_t ld, Out* dst, Convert convert) {
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (rows * cols >= (index_t{1} << 16) && !omp_in_parallel())
#endif
    for (index_t r = 0; r < rows; ++r) convert(src + r * ld, cols, dst + r * cols);
}

/// Row-major C = alpha op(A) op(B) + beta C with A and B rounded to bf16 and the products summed in
/// float. Its operand copies live in workspace<Scratch, ...>: a key of their own, since a
/// convolution's columns (one operand) live in workspace<Dev, float> during the product.
template <class Scratch>
void host_gemm_bf16(Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha, const float* a, index_t lda,
                    const float* b, index_t ldb, float beta, float* c, index_t ldc) {
    if (m == 0 || n == 0 || k == 0) {  // nothing to round: C = beta C, as host_gemm does it
        host_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    // The operands as stored: op(A) is m x k, so A is m x k or k x m.
    const index_t a_rows = ta == Trans::no ? m : k, a_cols = ta == Trans::no ? k : m;
    const index_t b_rows = tb == Trans::no ? k : n, b_cols = tb == Trans::no ? n : k;
    const index_t a_size = a_rows * a_cols;
#if defined(CTNN_DNNL)
    if (bf16_gemm_native()) {
        std::uint16_t* s = workspace<Scratch, std::uint16_t>(a_size + b_rows * b_cols);
        convert_operand(a, a_rows, a_cols, lda, s, to_bf16_n_fastest);
        convert_operand(b, b_rows, b_cols, ldb, s + a_size, to_bf16_n_fastest);
        dnnl_split_gemm("dnnl_gemm_bf16bf16f32", dnnl_gemm_bf16bf16f32, ta, tb, m, n, k, alpha, s, a_cols,
                        s + a_size, b_cols, beta, c, ldc);
        return;
    }
#endif
    float* s = workspace<Scratch, float>(a_size + b_rows * b_cols);
    convert_operand(a, a_rows, a_cols, lda, s, round_to_bf16_n);
    convert_operand(b, b_rows, b_cols, ldb, s + a_size, round_to_bf16_n);
    host_gemm(ta, tb, m, n, k, alpha, s, a_cols, s + a_size, b_cols, beta, c, ldc);
}

}  // namespace ctnn::detail
