// Variational training: one step against PyTorch (both reconstruction kinds), reproducibility,
// and the compile-time fit between encoder and decoder.
#define BOOST_TEST_MODULE vae
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/vae.hpp>

#include "support/train_golden.hpp"

using namespace ctnn;
using ctnn::test::golden_steps::SmallVae;

// The seed's VAE types fit: 2 * 20 statistics, 20 latents, 1x28x28 back.
static_assert(SmallVae<Cpu>::latents == 2);
static_assert(Vae<models::VaeEncoder<>, models::VaeDecoder<>, Adam<Cpu, float>>::latents == 20);

BOOST_AUTO_TEST_CASE(one_step_matches_pytorch) {
    ctnn::test::golden_steps::check_vae_steps<Cpu>();
}

BOOST_AUTO_TEST_CASE(same_seed_same_losses) {
    using Mnist = Vae<models::VaeEncoder<>, models::VaeDecoder<>, Adam<Cpu, float>>;
    const auto run = [](std::uint64_t seed) {
        Rng rng(seed);
        Mnist vae(rng, {}, AdamOptions{.lr = 1e-3});
        Tensor<Shape<1, 28, 28>, Cpu> x(8), x01(8);
        std::vector<float> v(8 * 784);
        std::vector<double> losses;
        for (int step = 0; step < 3; ++step) {
            for (auto& e : v) e = rng.uniform<float>();
            x01.copy_from_host(v);
            for (auto& e : v) e = 2 * e - 1;
            x.copy_from_host(v);
            const auto l = vae.step(x, x01);
            losses.push_back(l.reconstruction);
            losses.push_back(l.kl);
        }
        return losses;
    };
    const auto a = run(4), b = run(4);
    BOOST_TEST(a == b, boost::test_tools::per_element());
    BOOST_TEST(a[0] > 500);  // ~784 * log 2 for an untrained decoder on uniform pixels
}
