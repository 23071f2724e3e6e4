// Times ctnn's GEMM on a 1024^3 product and a forward + backward pass of seed 003's MLP
// discriminator (batch 128), reporting medians over repeated runs after warm-up.
//
//   bench_step [--iterations N] [--warmup N] [--threads N]
// Build with -march=native (CMAKE_CXX_FLAGS) for figures worth comparing: see docs/benchmarks.md.
#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace ctnn;

namespace {

template <class F>
double median_seconds(int warmup, int iterations, F&& f) {
    for (int i = 0; i < warmup; ++i) f();
    std::vector<double> t;
    for (int i = 0; i < iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int iterations = 20, warmup = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--iterations") iterations = std::stoi(argv[i + 1]);
        else if (a == "--warmup") warmup = std::stoi(argv[i + 1]);
        else if (a == "--threads") Cpu::set_threads(std::stoi(argv[i + 1]));
        else {
            std::fprintf(stderr, "usage: bench_step [--iterations N] [--warmup N] [--threads N]\n");
            return 2;
        }
    }
    std::printf("threads: %d\n", Cpu::threads());
    const FlushDenormals flush;  // as the example trainers train

    constexpr index_t n = 1024;
    Tensor<Shape<n>, Cpu> a(n), b(n), c(n);
    a.fill(0.5f);
    b.fill(0.25f);
    const double gemm_s = median_seconds(warmup, iterations, [&] {
        Cpu::gemm(Trans::no, Trans::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    });
    std::printf("gemm 1024^3 float: %.1f GFLOP/s (median %.2f ms)\n", 2.0 * n * n * n / gemm_s * 1e-9,
                gemm_s * 1e3);

    constexpr index_t batch = 128;
    Rng rng(1);
    Network<models::MlpDiscriminator> d(rng);
    Tensor<Shape<1, 28, 28>, Cpu> x(batch);
    Tensor<Shape<1>, Cpu> dy(batch);
    x.fill(0.1f);
    dy.fill(1.0f / batch);
    const double step_s = median_seconds(warmup, iterations, [&] {
        d.zero_grad();
        d.forward(x);
        d.backward(dy);
    });
    const double flops = 3.0 * 2.0 * batch * (784.0 * 256 + 256.0 * 256 + 256.0);
    std::printf("mlp discriminator forward+backward, batch %zu: %.0f samples/s, %.1f GFLOP/s\n",
                static_cast<std::size_t>(batch), batch / step_s, flops / step_s * 1e-9);
    return 0;
}
