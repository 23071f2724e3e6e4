// The blas_timer_smoke test: under LD_PRELOAD of libctnn_blas_timer.so (benchmarks/blas_timer.cpp),
// both GEMM interfaces still compute their products through the real BLAS (and, where oneDNN is
// installed, dnnl_sgemm through oneDNN), and the timer counts each call.
#include <cblas.h>
#include <dlfcn.h>
#if defined(CHECK_DNNL)
#include <oneapi/dnnl/dnnl.h>
#endif

#include <cstdio>

extern "C" void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                       const int*, const float*, const int*, const float*, float*, const int*);

namespace {
bool equal(const float* got, const float* want, const char* what) {
    for (int i = 0; i < 4; ++i)
        if (got[i] != want[i]) {
            std::fprintf(stderr, "blas_timer_check: %s: element %d is %g, not %g\n", what, i, got[i], want[i]);
            return false;
        }
    return true;
}
}  // namespace

int main() {
    using Seconds = double (*)();
    using Calls = unsigned long long (*)();
    const auto seconds = reinterpret_cast<Seconds>(dlsym(RTLD_DEFAULT, "ctnn_blas_timer_seconds"));
    const auto calls = reinterpret_cast<Calls>(dlsym(RTLD_DEFAULT, "ctnn_blas_timer_calls"));
    if (!seconds || !calls) {
        std::fprintf(stderr, "blas_timer_check: the timer is not loaded (LD_PRELOAD=libctnn_blas_timer.so)\n");
        return 1;
    }
    const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
    // Row-major [[1, 2], [3, 4]] [[5, 6], [7, 8]].
    float c[4] = {};
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    const float row_major[4] = {19, 22, 43, 50};
    // The same storage read column-major: [[1, 3], [2, 4]] [[5, 7], [6, 8]], stored by columns.
    float d[4] = {};
    const int n = 2;
    const float one = 1, zero = 0;
    sgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, d, &n);
    const float column_major[4] = {23, 34, 31, 46};
    if (!equal(c, row_major, "cblas_sgemm") || !equal(d, column_major, "sgemm_")) return 1;
    unsigned long long want_calls = 2;
#if defined(CHECK_DNNL)
    float e[4] = {};
    if (dnnl_sgemm('N', 'N', 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, e, 2) != dnnl_success || !equal(e, row_major, "dnnl_sgemm"))
        return 1;
    ++want_calls;
#endif
    if (calls() != want_calls || !(seconds() > 0)) {
        std::fprintf(stderr, "blas_timer_check: the timer counted %llu calls in %g s, not %llu calls\n", calls(),
                     seconds(), want_calls);
        return 1;
    }
    std::printf("blas_timer_check: %llu calls, %g s\n", want_calls, seconds());
    return 0;
}
