// libctnn_blas_timer.so: with LD_PRELOAD, counts the time a process spends inside single-precision
// BLAS GEMM calls, both the C interface (cblas_sgemm: ctnn's CTNN_BLAS build) and the Fortran one
// (sgemm_: what PyTorch's addmm/mm call), and oneDNN's dnnl_sgemm (ctnn's CTNN_DNNL build), and
// forwards each call to the real library. compare.sh uses
// it to measure which share of each side's training step is GEMM (benchmarks/README.md).
//
//   ctnn_blas_timer_seconds()  seconds inside those calls, summed over the threads that made them
//   ctnn_blas_timer_calls()    how many calls
//
// The workers look these two up with dlsym and report them when they are there. Both counters are
// atomics: ctnn calls the BLAS from every OpenMP thread at once.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

std::atomic<std::uint64_t> nanoseconds{0}, calls{0};

/// The real library's function `name`: the next definition after this library, or, where the
/// library was loaded privately (a Python extension's dependency, as libtorch's libblas.so.3 is),
/// the one in `library`.
void* real(const char* name, const char* library = "libblas.so.3") {
    void* f = dlsym(RTLD_NEXT, name);
    if (!f)
        if (void* lib = dlopen(library, RTLD_NOW | RTLD_NOLOAD)) f = dlsym(lib, name);
    if (!f) {
        std::fprintf(stderr, "ctnn_blas_timer: no library defines %s in this process\n", name);
        std::abort();
    }
    return f;
}

/// Runs call() and adds its duration to the counters.
template <class Call>
void timed(Call call) {
    const auto start = std::chrono::steady_clock::now();
    call();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    nanoseconds.fetch_add(static_cast<std::uint64_t>(ns.count()), std::memory_order_relaxed);
    calls.fetch_add(1, std::memory_order_relaxed);
}

// The CBLAS enums (order, transposes) are ints in the ABI.
using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                            int);
using FortranSgemm = void (*)(const char*, const char*, const int*, const int*, const int*, const float*,
                              const float*, const int*, const float*, const int*, const float*, float*, const int*);
// oneDNN's: dnnl_status_t is an int enum, dnnl_dim_t an int64_t.
using DnnlSgemm = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                          const float*, std::int64_t, float, float*, std::int64_t);

}  // namespace

extern "C" {

void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc) {
    static const auto f = reinterpret_cast<CblasSgemm>(real("cblas_sgemm"));
    timed([&] { f(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); });
}

void sgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
            const int* ldc) {
    static const auto f = reinterpret_cast<FortranSgemm>(real("sgemm_"));
    timed([&] { f(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); });
}

int dnnl_sgemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
               std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
    static const auto f = reinterpret_cast<DnnlSgemm>(real("dnnl_sgemm", "libdnnl.so.2"));
    int status = 0;
    timed([&] { status = f(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); });
    return status;
}

double ctnn_blas_timer_seconds() { return static_cast<double>(nanoseconds.load()) * 1e-9; }
unsigned long long ctnn_blas_timer_calls() { return calls.load(); }

}  // extern "C"
