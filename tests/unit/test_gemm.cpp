// Cpu::gemm, the product every layer runs, against a plain double-precision loop: every
// transpose pair, leading dimensions wider than the matrices, alpha/beta, empty and depth-0
// products, and (Eigen build) results that do not depend on the thread count. Built up to three
// times: as test_gemm (Eigen's kernels), where CBLAS is installed as test_gemm_blas (CTNN_BLAS),
// and where oneDNN is as test_gemm_dnnl (CTNN_DNNL).
#define BOOST_TEST_MODULE gemm
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <ctnn/device/cpu.hpp>

using namespace ctnn;

namespace {

struct Case {
    Trans ta, tb;
    index_t m, n, k;
};

/// Operands of a case stored with leading dimensions `pad` wider than needed, filled with values
/// whose products are exact in float (multiples of 1/8 in [-2, 2]), so the reference is exact
/// whatever order a kernel sums in.
struct Operands {
    index_t lda, ldb, ldc;
    std::vector<float> a, b, c;
    Operands(const Case& cs, index_t pad) {
        const index_t a_rows = cs.ta == Trans::no ? cs.m : cs.k, a_cols = cs.ta == Trans::no ? cs.k : cs.m;
        const index_t b_rows = cs.tb == Trans::no ? cs.k : cs.n, b_cols = cs.tb == Trans::no ? cs.n : cs.k;
        lda = a_cols + pad;
        ldb = b_cols + pad;
        ldc = cs.n + pad;
        a.resize(a_rows * lda);
        b.resize(b_rows * ldb);
        c.resize(cs.m * ldc);
        for (index_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>((i * 7 + 3) % 33) - 16) / 8;
        for (index_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(static_cast<int>((i * 5 + 1) % 29) - 14) / 8;
        for (index_t i = 0; i < c.size(); ++i) c[i] = static_cast<float>(static_cast<int>(i % 9) - 4);
    }
    float at_a(const Case& cs, index_t i, index_t p) const { return cs.ta == Trans::no ? a[i * lda + p] : a[p * lda + i]; }
    float at_b(const Case& cs, index_t p, index_t j) const { return cs.tb == Trans::no ? b[p * ldb + j] : b[j * ldb + p]; }
};

/// C = alpha op(A) op(B) + beta C in double, leaving the padding columns of C alone.
std::vector<float> reference(const Case& cs, const Operands& o, float alpha, float beta) {
    std::vector<float> c = o.c;
    for (index_t i = 0; i < cs.m; ++i)
        for (index_t j = 0; j < cs.n; ++j) {
            double s = 0;
            for (index_t p = 0; p < cs.k; ++p) s += double(o.at_a(cs, i, p)) * o.at_b(cs, p, j);
            c[i * o.ldc + j] = static_cast<float>(alpha * s + (beta == 0 ? 0.0 : double(beta) * o.c[i * o.ldc + j]));
        }
    return c;
}

std::vector<Case> cases() {
    std::vector<Case> out;
    // Shapes of the seed models (batch 128), odd sizes, thin products and one big enough to split
    // between threads along each side.
    // The last two cross every block boundary of the bf16 kernel (gemm/bf16_avx512.hpp): several
    // k-blocks and row blocks, a column tile and a half, more columns than one column block.
    const index_t dims[][3] = {{128, 1024, 10}, {128, 784, 256}, {256, 784, 128}, {37, 53, 71}, {1, 300, 17},
                               {300, 1, 17},    {5, 7, 1},       {200, 160, 96},  {200, 33, 520}, {3, 1600, 40}};
    for (const auto& d : dims)
        for (Trans ta : {Trans::no, Trans::yes})
            for (Trans tb : {Trans::no, Trans::yes}) out.push_back({ta, tb, d[0], d[1], d[2]});
    return out;
}

void check(const Case& cs, index_t pad, float alpha, float beta) {
    Operands o(cs, pad);
    if (beta == 0)  // beta 0 overwrites C, as in BLAS: not even a NaN there survives
        for (index_t i = 0; i < cs.m; ++i) o.c[i * o.ldc] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> want = reference(cs, o, alpha, beta);
    std::vector<float> got = o.c;
    Cpu::gemm(cs.ta, cs.tb, cs.m, cs.n, cs.k, alpha, o.a.data(), o.lda, o.b.data(), o.ldb, beta, got.data(), o.ldc);
    for (index_t i = 0; i < got.size(); ++i)
        if (!(got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i])))) {
            BOOST_ERROR("C[" << i / o.ldc << "][" << i % o.ldc << "] = " << got[i] << ", want " << want[i] << " for "
                             << (cs.ta == Trans::no ? 'N' : 'T') << (cs.tb == Trans::no ? 'N' : 'T') << " m=" << cs.m
                             << " n=" << cs.n << " k=" << cs.k << " pad=" << pad << " alpha=" << alpha
                             << " beta=" << beta);
            return;
        }
}

}  // namespace

BOOST_AUTO_TEST_CASE(matches_a_plain_loop_for_every_transpose_and_scaling) {
    BOOST_TEST_MESSAGE("kernels: " << detail::host_gemm_kernels());
    for (const Case& cs : cases())
        for (index_t pad : {0, 3}) {
            check(cs, pad, 1.0f, 0.0f);
            check(cs, pad, 1.0f, 1.0f);   // accumulate: layers add bias and gradients this way
            check(cs, pad, -0.5f, 2.0f);
        }
}

BOOST_AUTO_TEST_CASE(empty_and_depth_zero_products) {
    // k = 0: C = beta C (a layer on a batch of features of size 0 never happens, but the
    // contract is BLAS's). m or n = 0: nothing is touched.
    Operands o({Trans::no, Trans::no, 3, 4, 1}, 0);
    std::vector<float> c = o.c;
    Cpu::gemm(Trans::no, Trans::no, 3, 4, 0, 1.0f, o.a.data(), 1, o.b.data(), 4, 0.5f, c.data(), 4);
    for (index_t i = 0; i < c.size(); ++i) BOOST_TEST(c[i] == 0.5f * o.c[i]);
    std::vector<float> untouched = o.c;
    Cpu::gemm(Trans::no, Trans::no, 0, 4, 1, 1.0f, o.a.data(), 1, o.b.data(), 4, 0.0f, untouched.data(), 4);
    Cpu::gemm(Trans::no, Trans::no, 3, 0, 1, 1.0f, o.a.data(), 1, o.b.data(), 4, 0.0f, untouched.data(), 4);
    BOOST_TEST(untouched == o.c);
}

// Cpu::gemm_bf16 (the Bf16Mixed policy's product) against the plain loop on operands rounded to
// bf16, within float summation's error bound (k * 2^-23 of the sum of the products' magnitudes):
// the kernels this build runs (detail::bf16_gemm_kernels()), and the fallback of CPUs without
// AVX512_BF16 (rounded operands on Cpu::gemm) called directly. On the unrounded operands Cpu::gemm
// misses that bound: the check can tell the two apart.
BOOST_AUTO_TEST_CASE(bf16_matches_a_plain_loop_on_rounded_operands) {
    BOOST_TEST_MESSAGE("bf16 kernels: " << detail::bf16_gemm_kernels());
    bool fp32_told_apart = false;
    for (const Case& cs : cases())
        for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{-0.5f, 2.0f}}) {
            if (cs.m * cs.n * cs.k > (index_t{1} << 22)) continue;  // the seeds' 25M-product shapes take seconds at -O1
            Operands o(cs, 3);
            for (index_t i = 0; i < o.a.size(); ++i) o.a[i] = std::sin(0.37f * static_cast<float>(i));
            for (index_t i = 0; i < o.b.size(); ++i) o.b[i] = std::cos(0.61f * static_cast<float>(i));
            Operands rounded = o, magnitude = o;
            detail::round_to_bf16_n(o.a.data(), o.a.size(), rounded.a.data());
            detail::round_to_bf16_n(o.b.data(), o.b.size(), rounded.b.data());
            for (auto* v : {&magnitude.a, &magnitude.b, &magnitude.c})
                for (float& x : *v) x = std::abs(x);
            const std::vector<float> want = reference(cs, rounded, alpha, beta);
            const std::vector<float> bound = reference(cs, magnitude, std::abs(alpha), std::abs(beta));
            std::vector<float> got = o.c, fallback = o.c, fp32 = o.c;
            Cpu::gemm_bf16(cs.ta, cs.tb, cs.m, cs.n, cs.k, alpha, o.a.data(), o.lda, o.b.data(), o.ldb, beta,
                           got.data(), o.ldc);
            detail::host_gemm_bf16_rounded<detail::Bf16Operands>(cs.ta, cs.tb, cs.m, cs.n, cs.k, alpha, o.a.data(),
                                                                 o.lda, o.b.data(), o.ldb, beta, fallback.data(),
                                                                 o.ldc);
            Cpu::gemm(cs.ta, cs.tb, cs.m, cs.n, cs.k, alpha, o.a.data(), o.lda, o.b.data(), o.ldb, beta, fp32.data(),
                      o.ldc);
            const double eps = static_cast<double>(cs.k + 2) * 0x1p-23;
            index_t bad = 0;
            for (index_t i = 0; i < got.size(); ++i) {
                const double tol = eps * bound[i];
                for (auto [what, v] : {std::pair{"bf16", &got}, std::pair{"fallback", &fallback}})
                    if (!(std::abs(double((*v)[i]) - want[i]) <= tol) && ++bad <= 3)
                        BOOST_ERROR(what << " C[" << i / o.ldc << "][" << i % o.ldc << "] = " << (*v)[i] << ", want "
                                         << want[i] << " for " << (cs.ta == Trans::no ? 'N' : 'T')
                                         << (cs.tb == Trans::no ? 'N' : 'T') << " m=" << cs.m << " n=" << cs.n
                                         << " k=" << cs.k << " alpha=" << alpha << " beta=" << beta);
                fp32_told_apart = fp32_told_apart || std::abs(double(fp32[i]) - want[i]) > tol;
            }
        }
    BOOST_TEST(fp32_told_apart);
}

// ctnn's bf16 kernel sums every element of C in one order whatever the split: the same bits on one
// thread and two (oneDNN's bf16 kernels, and the fallback on a BLAS, make no such promise).
BOOST_AUTO_TEST_CASE(bf16_kernel_bits_do_not_depend_on_the_thread_count) {
    if (!detail::bf16_gemm_native() || detail::bf16_gemm_dnnl()) {
        BOOST_TEST_MESSAGE("skipped: this build runs " << detail::bf16_gemm_kernels());
        return;
    }
    const int saved = Cpu::threads();
    // Splitting columns (A packed once for both threads) and rows (B packed once).
    for (const Case& cs : {Case{Trans::no, Trans::yes, 128, 1024, 600}, Case{Trans::yes, Trans::no, 784, 512, 128}}) {
        Operands o(cs, 0);
        for (index_t i = 0; i < o.a.size(); ++i) o.a[i] = std::sin(static_cast<float>(i));
        for (index_t i = 0; i < o.b.size(); ++i) o.b[i] = std::cos(static_cast<float>(i));
        std::vector<float> one = o.c, two = o.c;
        Cpu::set_threads(1);
        Cpu::gemm_bf16(cs.ta, cs.tb, cs.m, cs.n, cs.k, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f, one.data(),
                       o.ldc);
        Cpu::set_threads(2);
        Cpu::gemm_bf16(cs.ta, cs.tb, cs.m, cs.n, cs.k, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f, two.data(),
                       o.ldc);
        BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
    }
    Cpu::set_threads(saved);
}

// The bf16 copies of a trained network's parameters (detail::RoundedParameters): inside a scope,
// an operand within the cached range is rounded by the first product that reads it and reused
// until invalidate(); operands outside it, and every operand once the scope ends, are read anew.
BOOST_AUTO_TEST_CASE(bf16_rounded_parameters_are_reused_until_invalidated) {
    constexpr index_t m = 5, n = 7, k = 6;
    std::vector<float> params(2 * n * k + 3), x(m * std::max(n, k));  // two weights [n, k] and a tail
    for (index_t i = 0; i < params.size(); ++i) params[i] = std::sin(0.3f * static_cast<float>(i));
    for (index_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.7f * static_cast<float>(i));
    const float* w = params.data() + n * k;  // the second weight
    // x w^T as Linear's forward, and (the other packing of a cached operand) x' w as its input
    // gradient, x' being the first m x n of x: both in one vector.
    const auto product = [&](const float* a, const float* b) {
        std::vector<float> y(m * n + m * k);
        Cpu::gemm_bf16(Trans::no, Trans::yes, m, n, k, 1.0f, a, k, b, k, 0.0f, y.data(), n);
        Cpu::gemm_bf16(Trans::no, Trans::no, m, k, n, 1.0f, a, n, b, k, 0.0f, y.data() + m * n, k);
        return y;
    };
    const std::vector<float> before = product(x.data(), w);
    const auto scale = [&](float f) {
        for (index_t i = n * k; i < 2 * n * k; ++i) params[i] *= f;
    };
    detail::RoundedParameters cache;
    {
        const auto scope = cache.scope(params.data(), static_cast<index_t>(params.size()));
        BOOST_TEST(product(x.data(), w) == before);
        scale(2);  // written without invalidate(): the copy is what a product reads
        BOOST_TEST(product(x.data(), w) == before);
        cache.invalidate();
        std::vector<float> doubled = before;
        for (float& v : doubled) v *= 2;  // a power of two: exact in bf16 and in the sums
        BOOST_TEST(product(x.data(), w) == doubled);
        for (float& v : x) v *= 2;  // x lies outside the cached range: read anew every time
        std::vector<float> quadrupled = doubled;
        for (float& v : quadrupled) v *= 2;
        BOOST_TEST(product(x.data(), w) == quadrupled);
        for (float& v : x) v /= 2;
    }
    scale(0.5f);  // outside any scope: read anew
    BOOST_TEST(product(x.data(), w) == before);
    {
        const auto scope = cache.scope(params.data(), static_cast<index_t>(params.size()));
        BOOST_TEST(product(x.data(), w) == before);  // opening a scope drops the last one's copies
    }
}

#if !defined(CTNN_BLAS) && !defined(CTNN_DNNL)
// Eigen's kernels are run one block of C per thread, each element summed in one fixed order: the
// same bits on any number of threads. (A library may not promise this: OpenBLAS 0.3.21's Haswell
// kernels gave different bits on 1 and 2 threads on this project's machine, its Cooperlake
// kernels did not; oneDNN 2.6's sgemm sums some shapes in another order when a block is
// narrower. See docs/benchmarks.md.)
BOOST_AUTO_TEST_CASE(the_thread_count_does_not_change_the_bits) {
    const int saved = Cpu::threads();
    for (const Case& cs : {Case{Trans::no, Trans::yes, 128, 1024, 1024}, Case{Trans::yes, Trans::no, 1024, 784, 128}}) {
        Operands o(cs, 0);
        // Inexact values, so that a different summation order would show.
        for (index_t i = 0; i < o.a.size(); ++i) o.a[i] = std::sin(static_cast<float>(i));
        std::vector<float> one = o.c, two = o.c;
        Cpu::set_threads(1);
        Cpu::gemm(cs.ta, cs.tb, cs.m, cs.n, cs.k, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f, one.data(), o.ldc);
        Cpu::set_threads(2);
        Cpu::gemm(cs.ta, cs.tb, cs.m, cs.n, cs.k, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f, two.data(), o.ldc);
        BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
    }
    Cpu::set_threads(saved);
}
#endif

// The kernels line names what this build runs, as benchmark reports quote it.
BOOST_AUTO_TEST_CASE(the_kernels_line_names_the_library) {
    const std::string line = detail::host_gemm_kernels();
#if defined(CTNN_DNNL)
    BOOST_TEST(line.rfind("oneDNN ", 0) == 0, line);
    BOOST_TEST(line.find("dnnl_sgemm, ISA ") != std::string::npos, line);
#elif defined(CTNN_BLAS)
    BOOST_TEST(line.rfind("CBLAS", 0) == 0, line);
#else
    BOOST_TEST(line.rfind("Eigen ", 0) == 0, line);
#endif
}
