// The Cpu device: host memory, Eigen (or CBLAS) GEMMs, OpenMP loops.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "ctnn/core/config.hpp"
#include "ctnn/device/aligned.hpp"
#include "ctnn/device/cpu_math.hpp"
#include "ctnn/device/device.hpp"
#include "ctnn/device/gemm.hpp"
#include "ctnn/device/gemm/bf16.hpp"
#include "ctnn/device/host_kernels.hpp"
#include "ctnn/device/workspace.hpp"

namespace ctnn {

namespace detail {
#if defined(__SSE__)
inline constexpr unsigned denormals_flushed = 0x8040;  ///< MXCSR's FTZ (bit 15) and DAZ (bit 6)
inline unsigned denormal_mode() { return _mm_getcsr() & denormals_flushed; }
#else
inline constexpr unsigned denormals_flushed = 0;
inline unsigned denormal_mode() { return 0; }
#endif

/// Sets the denormal mode (FlushDenormals) of the calling thread and of every thread of a full
/// OpenMP team; the threads' other floating-point modes stay as they are.
inline void set_denormal_mode([[maybe_unused]] unsigned mode) {
#if defined(__SSE__)
    const auto set = [=] { _mm_setcsr((_mm_getcsr() & ~denormals_flushed) | (mode & denormals_flushed)); };
    set();
#if defined(_OPENMP)
#pragma omp parallel
    set();
#endif
#endif
}
/// The Cpu's memory, loops, sums, GEMMs and copies: host memory, OpenMP threads, Eigen's GEMM
/// kernels or the system BLAS (device/gemm.hpp). Cpu adds its kernels; a test device with the
/// per-item kernels of the GPU adds others (tests/support/generic_loops.hpp).
struct CpuLoops : detail::AlignedHostStorage {
    static constexpr const char* name = "cpu";
    /// Its tensors can be read in place on the host (ctnn::xview, io/xtensor.hpp).
    static constexpr bool host_memory = true;

    /// Loops shorter than this run on the calling thread: waking threads costs more.
    static constexpr index_t parallel_grain = 1 << 14;

    /// Calls f(i) for every i in [0, n). Iterations must be independent. `work` is each
    /// iteration's size in elements (a row of a copy, say), for the choice to go parallel.
    template <class F>
    static void for_each(index_t n, F f, index_t work = 1) {
        // firstprivate: each thread calls its own copy of f. Shared, f's captured scalars (Adam's
        // coefficients, say) could alias the floats the loop stores, so g++ reloaded them every
        // iteration and left such loops scalar.
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) firstprivate(f) if (n * work >= parallel_grain && n > 1)
#endif
        for (index_t i = 0; i < n; ++i) f(i);
    }

    /// Calls f(begin, len) for the blocks [begin, begin + len) of `block` elements (the last may be
    /// shorter) that cover [0, n), in parallel: for loop bodies that handle a block in one
    /// vectorised pass.
    template <class F>
    static void for_blocks(index_t n, index_t block, F f) {
        for_each((n + block - 1) / block, [=](index_t b) { f(b * block, std::min(block, n - b * block)); }, block);
    }

    /// Convolution columns built at a time (detail::host_column_budget).
    static constexpr index_t column_budget = detail::host_column_budget;

    /// Sums are taken in chunks of this many elements (see sum_chunks).
    static constexpr index_t sum_chunk = 4096;

    /// The sum of f(i) over [0, n), in an order fixed by n alone, so results do not depend on the
    /// number of threads (bit-identical runs need that).
    template <class T, class F>
    static T sum(index_t n, F f) {
        return sum_chunks<T>(n, [&](index_t begin, index_t len) {
            T s = T(0);
            for (index_t i = begin; i < begin + len; ++i) s += f(i);
            return s;
        });
    }

    /// The sum over chunks [begin, begin + len) of sum_chunk elements (the last may be shorter) of
    /// chunk_sum(begin, len), the chunks in order: for callers that compute a chunk's terms in one
    /// vectorised pass. Chunks run in parallel when there are several.
    template <class T, class ChunkSum>
    static T sum_chunks(index_t n, ChunkSum chunk_sum) {
        const index_t chunks = (n + sum_chunk - 1) / sum_chunk;
        if (chunks <= 1) return chunk_sum(index_t{0}, n);
        T* part = partials<T>(chunks);
#if defined(_OPENMP)
#pragma omp parallel for schedule(static)
#endif
        for (index_t c = 0; c < chunks; ++c) part[c] = chunk_sum(c * sum_chunk, std::min(sum_chunk, n - c * sum_chunk));
        T s = T(0);
        for (index_t c = 0; c < chunks; ++c) s += part[c];
        return s;
    }

    /// Room for `chunks` partial sums, reused per thread and type (a step allocates nothing once
    /// its largest sum has run).
    template <class T>
    static T* partials(index_t chunks) {
        thread_local std::vector<T> buffer;
        if (buffer.size() < static_cast<std::size_t>(chunks)) buffer.resize(chunks);
        return buffer.data();
    }

    template <class T>
    static void gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a,
                     index_t lda, const T* b, index_t ldb, T beta, T* c, index_t ldc) {
        detail::host_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// dst[0..n) = value; large fills (zero_grad over millions of gradients) on all threads.
    template <class T>
    static void fill(T* dst, index_t n, T value) {
        for_blocks(n, index_t{1} << 16, [=](index_t begin, index_t len) { std::fill_n(dst + begin, len, value); });
    }
    template <class T>
    static void copy(const T* src, index_t n, T* dst) {  // the ranges do not overlap (as thrust::copy_n)
        for_blocks(n, index_t{1} << 16, [=](index_t begin, index_t len) {
            std::memcpy(dst + begin, src + begin, len * sizeof(T));
        });
    }
    template <class T>
    static void to_host(const T* src, index_t n, T* host) {
        copy(src, n, host);
    }
    template <class T>
    static void from_host(const T* host, index_t n, T* dst) {
        copy(host, n, dst);
    }

    /// Threads used by loops and GEMMs; by default all cores (OpenMP's default).
    static void set_threads(int n) {
#if defined(_OPENMP)
        omp_set_num_threads(n);
        detail::set_denormal_mode(detail::denormal_mode());  // threads it adds: the caller's mode
#else
        (void)n;
#endif
    }
    static int threads() {
#if defined(_OPENMP)
        return omp_get_max_threads();
#else
        return 1;
#endif
    }
};

/// The key of the Cpu's bf16 GEMM's operand copies (workspace<Bf16Operands, ...>).
struct Bf16Operands : CpuLoops {};

}  // namespace detail

/// Host memory, OpenMP threads, Eigen's GEMM kernels or the system BLAS, and the host-thread forms
/// of the kernels (device/host_kernels.hpp) with Eigen's vectorised math where it has a form
/// (device/cpu_math.hpp). A device is a type with static members only (the Device concept,
/// device/device.hpp).
struct Cpu : detail::CpuLoops, detail::HostKernels<Cpu> {
    /// Row-major C = alpha op(A) op(B) + beta C with A and B rounded to bf16 and float sums: the
    /// Bf16Mixed policy's GEMM (device/bf16.hpp). oneDNN's bf16 kernels where the build has
    /// CTNN_DNNL and the CPU AVX512_BF16, the rounded operands on the fp32 GEMM elsewhere
    /// (detail::bf16_gemm_kernels() says which).
    static void gemm_bf16(Trans ta, Trans tb, index_t m, index_t n, index_t k, float alpha, const float* a,
                          index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc) {
        detail::host_gemm_bf16<detail::Bf16Operands>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    /// What Bf16Mixed<Cpu> keeps of a trained network's parameters between updates: their bf16
    /// copies (ParameterOperands, device/bf16.hpp).
    using bf16_parameter_cache = detail::RoundedParameters;

    /// y[i] = f(x[i]); in blocks of 4096 (whole vectors per thread) where Eigen has f's form.
    template <class T, class F>
    static void map(index_t n, const T* x, T* y, F f) {
        if constexpr (requires { detail::block_map<F>::run(x, y, n); })
            for_blocks(n, 4096, [=](index_t begin, index_t len) { detail::block_map<F>::run(x + begin, y + begin, len); });
        else
            Generic::map(n, x, y, f);
    }

    /// GenericKernels::loss_sum; where Eigen has the term's form, each of sum_chunks' chunks
    /// computes its gradients and its terms in one pass each, then sums the terms in index order.
    template <class T, class Term>
    static T loss_sum(Term term, index_t n, const T* x, const T* y, T y_value, T div, T* g) {
        using Block = detail::block_loss<Term>;
        if constexpr (requires(T* out) { Block::value(x, y, y_value, out, n); }) {
            return sum_chunks<T>(n, [=](index_t begin, index_t len) {
                const T* yc = y ? y + begin : nullptr;
                if (g) Block::grad(x + begin, yc, y_value, div, g + begin, len);
                // Aligned: Eigen computes an unaligned destination's first elements one at a time
                // (libm's exp and log1p, not its vectorised ones), so the sum, and the loss a run
                // logs, would depend on where the stack happens to be (the length of the command line).
                alignas(64) T terms[sum_chunk];
                Block::value(x + begin, yc, y_value, terms, len);
                T s = T(0);
                for (index_t i = 0; i < len; ++i) s += terms[i];
                return s;
            });
        } else {
            return Generic::loss_sum(term, n, x, y, y_value, div, g);
        }
    }
};

static_assert(Device<Cpu>);

/// While it lives, the calling thread and Cpu's worker threads (OpenMP's, which the BLAS GEMMs
/// share) compute with denormal floats as zero: inputs below 1.2e-38 (2.2e-308 for double) read
/// as 0 and results that small are stored as 0 (SSE's DAZ and FTZ modes). A multiply or add that
/// meets a denormal costs about a hundred times a normal one on x86 CPUs, and training makes
/// many: Adam's moving average of a gradient that is 0 (a dead ReLU's weights) halves each step
/// with beta1 = 0.5 until it is denormal. PyTorch's torch.set_flush_denormal(True) and
/// TensorFlow's CPU threads do the same; results change only where a value is that small. The
/// example trainers train in one of these unless --keep-denormals; the library itself leaves
/// the modes as it finds them.
///
///   { ctnn::FlushDenormals flush; train(gan); }   // the modes are restored here
///
/// Cpu::set_threads gives threads it adds the calling thread's mode (omp_set_num_threads alone
/// does not). Without SSE (not x86) it changes nothing.
class FlushDenormals {
public:
    /// Flushes denormals until the end of the scope; with flush false it changes nothing (for a
    /// command-line switch such as --keep-denormals).
    explicit FlushDenormals(bool flush = true) : active_(flush) {
        if (active_) {
            saved_ = detail::denormal_mode();
            detail::set_denormal_mode(detail::denormals_flushed);
        }
    }
    ~FlushDenormals() {
        if (active_) detail::set_denormal_mode(saved_);
    }
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;

    /// Whether the calling thread flushes denormals now.
    static bool active() { return detail::denormals_flushed != 0 && detail::denormal_mode() == detail::denormals_flushed; }

private:
    bool active_;
    unsigned saved_ = 0;
};

}  // namespace ctnn
