// Cpu::gemm (fp32) against Cpu::gemm_bf16 (the Bf16Mixed policy's product, its operands' rounding
// included) on the seed models' product shapes, batch 128: each Linear's forward (NT), input
// gradient (NN) and weight gradient (TN) products, and the 1024^3 reference. Prints the median
// GFLOP/s of each over repeated calls and their ratio (docs/precision.md quotes it). In a
// CTNN_DNNL build, where Cpu::gemm_bf16 runs oneDNN's kernels, a column more times ctnn's own
// (gemm/bf16_avx512.hpp), which the other builds run.
//
//   bench_gemm_bf16 [--threads N] [--repeats R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <ctnn/device/cpu.hpp>

using namespace ctnn;

namespace {

struct Shape3 {
    const char* what;
    Trans ta, tb;
    index_t m, n, k;
};

/// The median seconds of `repeats` calls of f (after two warm-up calls).
template <class F>
double median_seconds(int repeats, F f) {
    f();
    f();
    std::vector<double> t;
    for (int r = 0; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
    return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int repeats = 31;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--threads" && i + 1 < argc) {
            Cpu::set_threads(std::stoi(argv[++i]));
        } else if (a == "--repeats" && i + 1 < argc) {
            repeats = std::max(1, std::stoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: bench_gemm_bf16 [--threads N] [--repeats R]\n");
            return 2;
        }
    }
    const FlushDenormals flush;
    std::printf("fp32: %s\nbf16: %s\nthreads: %d\n", detail::host_gemm_kernels().c_str(),
                detail::bf16_gemm_kernels().c_str(), Cpu::threads());
    if (!detail::bf16_gemm_native())
        std::printf("note: %s\n", detail::cpu_has_avx512_bf16()
                                      ? "this build has no oneDNN (CTNN_DNNL): the bf16 column is rounding + fp32"
                                      : "this CPU has no AVX512_BF16: the bf16 column is rounding + fp32");
    // Linear(In, Out) at batch B: forward B x Out x In (NT), input gradient B x In x Out (NN),
    // weight gradient Out x In x B (TN).
    const auto linear = [](std::vector<Shape3>& s, const char* what, index_t batch, index_t in, index_t out) {
        s.push_back({what, Trans::no, Trans::yes, batch, out, in});
        s.push_back({what, Trans::no, Trans::no, batch, in, out});
        s.push_back({what, Trans::yes, Trans::no, out, in, batch});
    };
    std::vector<Shape3> shapes;
    linear(shapes, "MLP GAN G 1024->1024", 128, 1024, 1024);
    linear(shapes, "MLP GAN G 1024->784", 128, 1024, 784);
    linear(shapes, "MLP GAN D 784->256 (256 merged)", 256, 784, 256);
    linear(shapes, "VAE 784->512", 128, 784, 512);
    shapes.push_back({"DCGAN conv 64x(32*9) x 128*196", Trans::no, Trans::no, 64, 128 * 196, 32 * 9});
    shapes.push_back({"1024^3", Trans::no, Trans::no, 1024, 1024, 1024});
#if defined(CTNN_DNNL) && defined(CTNN_BF16_KERNEL)
    const bool both = detail::bf16_gemm_dnnl();  // ctnn's kernel beside oneDNN's
#else
    const bool both = false;
#endif
    std::printf("| product | op | m x n x k | fp32 GFLOP/s | bf16 GFLOP/s | bf16 / fp32 |%s\n"
                "| --- | --- | --- | --- | --- | --- |%s\n",
                both ? " ctnn kernel GFLOP/s |" : "", both ? " --- |" : "");
    for (const Shape3& s : shapes) {
        const index_t a_size = s.m * s.k, b_size = s.k * s.n;
        std::vector<float> a(a_size), b(b_size), c(s.m * s.n);
        for (index_t i = 0; i < a_size; ++i) a[i] = static_cast<float>((i * 37) % 101) / 101.0f - 0.5f;
        for (index_t i = 0; i < b_size; ++i) b[i] = static_cast<float>((i * 53) % 97) / 97.0f - 0.5f;
        const index_t lda = s.ta == Trans::no ? s.k : s.m, ldb = s.tb == Trans::no ? s.n : s.k;
        const double fp32 = median_seconds(repeats, [&] {
            Cpu::gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), s.n);
        });
        const double bf16 = median_seconds(repeats, [&] {
            Cpu::gemm_bf16(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), s.n);
        });
        const double flops = 2.0 * static_cast<double>(s.m * s.n * s.k);
        std::printf("| %s | %c%c | %zu x %zu x %zu | %.1f | %.1f | %.2f |", s.what, s.ta == Trans::no ? 'N' : 'T',
                    s.tb == Trans::no ? 'N' : 'T', s.m, s.n, s.k, flops / fp32 * 1e-9, flops / bf16 * 1e-9, fp32 / bf16);
#if defined(CTNN_DNNL) && defined(CTNN_BF16_KERNEL)
        if (both) {
            const detail::GemmSplit split(s.m, s.n, s.k, detail::bf16k::kMr, detail::bf16k::kNr);
            const double own = median_seconds(repeats, [&] {
                detail::bf16k::gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), s.n,
                                    split);
            });
            std::printf(" %.1f |", flops / own * 1e-9);
        }
#endif
        std::printf("\n");
    }
    return 0;
}
