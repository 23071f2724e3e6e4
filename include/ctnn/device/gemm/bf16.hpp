// The Cpu's bf16 GEMM (Cpu::gemm_bf16, the kernel of the Bf16Mixed policy, device/bf16.hpp): float
// operands rounded to bf16 (round to nearest even, core/bf16.hpp), products summed in float.
//
// On a CPU with AVX512_BF16 (vdpbf16ps: two bf16 products per float lane and instruction):
// - with CTNN_DNNL, the rounded operands go to oneDNN's dnnl_gemm_bf16bf16f32, one single-threaded
//   call per block of the fp32 GEMMs' split (gemm/split.hpp), as fast per training step as the
//   kernel below within the machine's noise (docs/precision.md);
// - otherwise ctnn's own kernel (gemm/bf16_avx512.hpp), which converts the float operands as it
//   packs them: bf16 speed in builds without oneDNN, the same bits on any thread count.
// Elsewhere the operands are rounded to bf16 values held in floats and multiplied by host_gemm: a
// product of two bf16 is exact in float, so the numbers are those of a bf16 GEMM with float
// accumulation (up to the order of the sums), only not faster. vdpbf16ps reads bf16 denormals
// (below 1.2e-38) as zero; the fallback keeps them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
// The AVX512_BF16 conversion and kernel, compiled for x86-64 hosts whatever -march says (they are
// chosen at run time); nvcc's front end is left the portable loop.
#if defined(__x86_64__) && !defined(__CUDACC__) && (defined(__clang__) || defined(__GNUC__))
#define CTNN_BF16_KERNEL 1
#include <immintrin.h>

#include <cstring>

#include "ctnn/device/gemm/bf16_avx512.hpp"
#endif

#include "ctnn/core/bf16.hpp"
#include "ctnn/device/gemm.hpp"
#include "ctnn/device/workspace.hpp"

namespace ctnn::detail {

/// Whether the CPU has AVX512_BF16 (CPUID leaf 7, sub-leaf 1, EAX bit 5) and the operating system
/// saves the AVX-512 registers (XCR0's SSE, AVX, opmask and upper-ZMM bits, read by xgetbv where
/// CPUID reports OSXSAVE): without the second, the first AVX-512 instruction would fault.
inline bool cpu_has_avx512_bf16() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool has = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (__get_cpuid(1, &a, &b, &c, &d) == 0 || (c & (1u << 27)) == 0) return false;  // OSXSAVE
        unsigned xcr0 = 0, xcr0_high = 0;
        __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0_high) : "c"(0));
        constexpr unsigned avx512_state = 0x2 | 0x4 | 0x20 | 0x40 | 0x80;
        if ((xcr0 & avx512_state) != avx512_state) return false;
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

/// Whether host_gemm_bf16 runs oneDNN's bf16 kernels.
inline bool bf16_gemm_dnnl() {
#if defined(CTNN_DNNL)
    return cpu_has_avx512_bf16() && dnnl_allows_bf16();
#else
    return false;
#endif
}

/// Whether host_gemm_bf16 runs bf16 kernels, oneDNN's or ctnn's (else: rounded operands on host_gemm).
inline bool bf16_gemm_native() {
#if defined(CTNN_BF16_KERNEL)
    return cpu_has_avx512_bf16();
#else
    return bf16_gemm_dnnl();
#endif
}

/// Which kernels host_gemm_bf16 runs, and why, for logs and benchmark reports.
inline std::string bf16_gemm_kernels() {
    if (bf16_gemm_dnnl()) return "oneDNN dnnl_gemm_bf16bf16f32 (AVX512_BF16)";
    if (bf16_gemm_native()) {
#if defined(CTNN_DNNL)
        return "ctnn AVX512_BF16 kernel (oneDNN's ISA is limited below avx512_core_bf16 by DNNL_MAX_CPU_ISA)";
#else
        return "ctnn AVX512_BF16 kernel";
#endif
    }
#if defined(CTNN_BF16_KERNEL)
    const std::string why = "this CPU has no AVX512_BF16";
#else
    const std::string why =
        cpu_has_avx512_bf16() ? "not an x86-64 GNU-compatible host compiler" : "this CPU has no AVX512_BF16";
#endif
    return "bf16-rounded operands on the fp32 GEMM (" + why + ": the same numbers, no faster than fp32)";
}

#if defined(CTNN_BF16_KERNEL)
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
#if defined(CTNN_BF16_KERNEL)
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

/// The rounded copies of one flat parameter buffer's GEMM operands (a trained network's weights),
/// made by the first GEMM that reads each and reused by the next ones until invalidate(). Between
/// two optimizer steps a generator's weights are read by its forward pass and again by its
/// backward pass; rounding them once saves a pass over them (without the copies, the MLP GAN's
/// weights are 4.8 million of the 7.3 million floats its bf16 GEMMs round per step). GEMMs look
/// here only while a scope() of it is open on their thread
/// (TrainedNetwork::keep_rounded_parameters()), and opening one invalidates it, so a write to the
/// parameters outside a scope cannot leave a stale copy; inside one, every write must be followed
/// by invalidate() (TrainedNetwork::update() does it). The copies are the bits the GEMM would
/// round anyway: results do not change by a bit.
class RoundedParameters {
public:
    /// While alive, the GEMMs of this thread take the rounded copies of operands inside
    /// [begin, begin + n) from `cache`.
    class Scope {
    public:
        Scope(RoundedParameters& cache, const float* begin, index_t n) : cache_(&cache) {
            cache.begin_ = reinterpret_cast<std::uintptr_t>(begin);  // an empty range holds no operand
            cache.end_ = reinterpret_cast<std::uintptr_t>(begin + n);
            cache.invalidate();  // the parameters may have been written since the last scope
            open().push_back(cache_);
        }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        ~Scope() {
            auto& o = open();
            o.erase(std::find(o.rbegin(), o.rend(), cache_).base() - 1);
        }

    private:
        RoundedParameters* cache_;
    };

    /// A scope in which the GEMMs take operands in [begin, begin + n) from here.
    [[nodiscard]] Scope scope(const float* begin, index_t n) { return Scope(*this, begin, n); }

    /// The copies made so far are out of date: the parameters were written.
    void invalidate() { ++epoch_; }

    /// The rounded copy (packed, rows x cols) of the operand at src with leading dimension ld, from
    /// the cache of an open scope that holds it whole, made by convert if out of date; null where
    /// no open scope holds it.
    template <class Out, class Convert>
    static const Out* cached(const float* src, index_t rows, index_t cols, index_t ld, Convert convert) {
        const auto first = reinterpret_cast<std::uintptr_t>(src);
        const auto last = reinterpret_cast<std::uintptr_t>(src + (rows - 1) * ld + cols);
        for (RoundedParameters* c : open())
            if (first >= c->begin_ && last <= c->end_) return c->copy<Out>(src, rows, cols, ld, convert);
        return nullptr;
    }

    /// cached(), or src converted into scratch where no open scope holds it.
    template <class Out, class Convert>
    static const Out* operand(const float* src, index_t rows, index_t cols, index_t ld, Out* scratch, Convert convert) {
        if (const Out* copy = cached<Out>(src, rows, cols, ld, convert)) return copy;
        convert_operand(src, rows, cols, ld, scratch, convert);
        return scratch;
    }

private:
    struct Copy {
        const float* src;
        index_t rows, cols, ld;
        std::uint64_t epoch;
        std::vector<std::uint16_t> bits;  // for bf16 kernels
        std::vector<float> floats;        // for the fallback's bf16 values held in floats
        template <class Out>
        std::vector<Out>& values() {
            if constexpr (std::is_same_v<Out, float>)
                return floats;
            else
                return bits;
        }
    };

    static std::vector<RoundedParameters*>& open() {
        thread_local std::vector<RoundedParameters*> scopes;
        return scopes;
    }

    template <class Out, class Convert>
    const Out* copy(const float* src, index_t rows, index_t cols, index_t ld, Convert convert) {
        auto it = std::find_if(copies_.begin(), copies_.end(), [&](const Copy& c) {
            return c.src == src && c.rows == rows && c.cols == cols && c.ld == ld;
        });
        if (it == copies_.end()) it = copies_.insert(copies_.end(), Copy{src, rows, cols, ld, epoch_ - 1, {}, {}});
        std::vector<Out>& v = it->template values<Out>();
        if (it->epoch != epoch_) {  // a new copy starts out of date
            v.resize(static_cast<std::size_t>(rows * cols));
            convert_operand(src, rows, cols, ld, v.data(), convert);
            it->epoch = epoch_;
        }
        return v.data();
    }

    std::uintptr_t begin_ = 0, end_ = 0;  // the range of the open scope (addresses: any two compare)
    std::uint64_t epoch_ = 0;
    std::vector<Copy> copies_;
};

/// The fallback's product: A and B rounded to bf16 values held in floats (a product of two bf16 is
/// exact in float), then host_gemm. Its operand copies live in workspace<Scratch, float>: a key of
/// their own, since a convolution's columns (one operand) live in workspace<Dev, float> during the
/// product; those of a trained network's parameters in its RoundedParameters while a scope of it
/// is open.
template <class Scratch>
void host_gemm_bf16_rounded(Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha, const float* a,
                            index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc) {
    // The operands as stored: op(A) is m x k, so A is m x k or k x m.
    const index_t a_rows = ta == Trans::no ? m : k, a_cols = ta == Trans::no ? k : m;
    const index_t b_rows = tb == Trans::no ? k : n, b_cols = tb == Trans::no ? n : k;
    const index_t a_size = a_rows * a_cols;
    float* s = workspace<Scratch, float>(a_size + b_rows * b_cols);
    const float* ra = RoundedParameters::operand(a, a_rows, a_cols, lda, s, round_to_bf16_n);
    const float* rb = RoundedParameters::operand(b, b_rows, b_cols, ldb, s + a_size, round_to_bf16_n);
    host_gemm(ta, tb, m, n, k, alpha, ra, a_cols, rb, b_cols, beta, c, ldc);
}

/// Row-major C = alpha op(A) op(B) + beta C with A and B rounded to bf16 and the products summed in
/// float: oneDNN's kernels or ctnn's where the CPU has AVX512_BF16 (see the top of this file), else
/// host_gemm_bf16_rounded. Operands that are a trained network's parameters come from their
/// rounded copies (RoundedParameters) while a scope of them is open: rounded once between two
/// updates, and read as bf16, half the bytes.
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
#if defined(CTNN_DNNL)
    if (bf16_gemm_dnnl()) {
        const index_t a_size = a_rows * a_cols;
        std::uint16_t* s = workspace<Scratch, std::uint16_t>(a_size + b_rows * b_cols);
        const std::uint16_t* ra = RoundedParameters::operand(a, a_rows, a_cols, lda, s, to_bf16_n_fastest);
        const std::uint16_t* rb = RoundedParameters::operand(b, b_rows, b_cols, ldb, s + a_size, to_bf16_n_fastest);
        dnnl_split_gemm("dnnl_gemm_bf16bf16f32", dnnl_gemm_bf16bf16f32, ta, tb, m, n, k, alpha, ra, a_cols, rb,
                        b_cols, beta, c, ldc);
        return;
    }
#endif
#if defined(CTNN_BF16_KERNEL)
    if (bf16_gemm_native()) {  // the rest converted as it is packed
        const GemmSplit split(m, n, k, bf16k::kMr, bf16k::kNr);
        const auto* ra = RoundedParameters::cached<std::uint16_t>(a, a_rows, a_cols, lda, to_bf16_n_fastest);
        const auto* rb = RoundedParameters::cached<std::uint16_t>(b, b_rows, b_cols, ldb, to_bf16_n_fastest);
        if (ra && rb)
            bf16k::gemm(ta, tb, m, n, k, alpha, ra, a_cols, rb, b_cols, beta, c, ldc, split);
        else if (ra)
            bf16k::gemm(ta, tb, m, n, k, alpha, ra, a_cols, b, ldb, beta, c, ldc, split);
        else if (rb)
            bf16k::gemm(ta, tb, m, n, k, alpha, a, lda, rb, b_cols, beta, c, ldc, split);
        else
            bf16k::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, split);
        return;
    }
#endif
    host_gemm_bf16_rounded<Scratch>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace ctnn::detail
