// ctnn::FlushDenormals: denormal floats read and are stored as 0 on the calling thread and on
// every Cpu worker thread while it lives, and the modes are as before once it is gone.
#define BOOST_TEST_MODULE denormals
#include <boost/test/unit_test.hpp>

#include <limits>
#include <vector>

#include <ctnn/ctnn.hpp>

using namespace ctnn;

namespace {

/// Whether a denormal input reads as 0 (DAZ) and a denormal result is stored as 0 (FTZ), on
/// this thread. volatile: the compiler must not fold the products.
struct Observed {
    bool reads_zero, stores_zero;
};
Observed observe() {
    volatile float denormal = std::numeric_limits<float>::min() / 4, small = 1e-30f, smaller = 1e-10f;
    const float read = denormal * 1.0f, stored = small * smaller;
    return {read == 0.0f, stored == 0.0f};
}

/// observe() on each of `threads` OpenMP threads (the pool Cpu::for_each and the GEMMs use).
std::vector<Observed> observe_workers(int threads) {
    std::vector<Observed> seen(threads);
    Observed* out = seen.data();
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
    out[omp_get_thread_num()] = observe();
#else
    out[0] = observe();
    seen.resize(1);
#endif
    return seen;
}

void check_all(const std::vector<Observed>& seen, bool flushed, const char* when) {
    for (std::size_t t = 0; t < seen.size(); ++t) {
        BOOST_TEST_INFO(when << ", thread " << t);
        BOOST_TEST(seen[t].reads_zero == flushed);
        BOOST_TEST_INFO(when << ", thread " << t);
        BOOST_TEST(seen[t].stores_zero == flushed);
    }
}

}  // namespace

#if defined(__SSE__)

BOOST_AUTO_TEST_CASE(flushes_on_every_thread_while_it_lives_and_restores_after) {
    Cpu::set_threads(2);
    check_all(observe_workers(2), false, "before");
    BOOST_TEST(!FlushDenormals::active());
    {
        const FlushDenormals flush;
        BOOST_TEST(FlushDenormals::active());
        check_all({observe()}, true, "inside, calling thread");
        check_all(observe_workers(2), true, "inside, workers");
        {
            const FlushDenormals off(false);  // flush = false leaves the modes alone
            check_all(observe_workers(2), true, "inside an inactive one");
        }
        {
            const FlushDenormals nested;
            check_all(observe_workers(2), true, "nested");
        }
        check_all(observe_workers(2), true, "after the nested one");  // it restored "flushing"
    }
    BOOST_TEST(!FlushDenormals::active());
    check_all({observe()}, false, "after, calling thread");
    check_all(observe_workers(2), false, "after, workers");
}

BOOST_AUTO_TEST_CASE(threads_added_inside_get_it) {
    Cpu::set_threads(1);
    {
        const FlushDenormals flush;
        Cpu::set_threads(3);  // threads the constructor did not visit (one of them new)
        check_all(observe_workers(3), true, "new threads");
    }
    check_all(observe_workers(3), false, "after");
    Cpu::set_threads(2);
}

// What it is for: Adam's first moment of a parameter whose gradient is 0 halves every step with
// beta1 = 0.5. Unflushed it passes through the denormals (where every step is slow) before it
// reaches 0; flushed it goes from the smallest normal float straight to 0.
BOOST_AUTO_TEST_CASE(adams_decaying_moments_skip_the_denormals) {
    using Net = Network<Sequential<Input<4>, Linear<4, 1>>, Cpu, float>;
    // exp_avg of one weight after each of 151 steps: gradient 1 at the first, 0 after, so that
    // 0.5^k passes 2^-126 (the smallest normal float) and 2^-149 (the smallest denormal).
    const auto first_moment_history = [](bool flush) {
        const FlushDenormals scope(flush);
        Rng rng(1);
        Net net(rng);
        Adam<Cpu, float> opt(net, {.lr = 1e-3, .beta1 = 0.5});
        std::vector<float> history;
        for (int k = 0; k < 151; ++k) {
            opt.zero_grad();
            if (k == 0)
                for (const auto& p : opt.parameters()) Cpu::fill(p.grad, p.size, 1.0f);
            opt.step();
            // One element, exp_avg of the first weight: the state is on the host (Cpu).
            history.push_back(opt.parameters()[0].state[0].data()[0]);
        }
        return history;
    };
    const auto is_denormal = [](float v) { return v != 0 && v < std::numeric_limits<float>::min(); };
    int flushed_denormals = 0, kept_denormals = 0;
    for (float v : first_moment_history(true)) flushed_denormals += is_denormal(v);
    for (float v : first_moment_history(false)) kept_denormals += is_denormal(v);
    BOOST_TEST(flushed_denormals == 0);
    BOOST_TEST(kept_denormals > 20);  // 2^-127 ... 2^-149
    BOOST_TEST(first_moment_history(true).back() == 0.0f);
}

#else

BOOST_AUTO_TEST_CASE(changes_nothing_without_sse) {
    const FlushDenormals flush;
    BOOST_TEST(!FlushDenormals::active());
    check_all(observe_workers(1), false, "no SSE");
}

#endif
