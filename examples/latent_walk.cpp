// ctnn as a library, not a trainer: loads a checkpoint of mnist_dcgan (seed 003's DCGAN), draws two
// latent codes, walks between them with xtensor arithmetic, generates an image at every step and
// writes the strip as a PNG and as a .npy array. docs/concepts.md walks through it.
//
//     latent_walk CHECKPOINT OUT_DIR [STEPS [SEED]]
//
// writes OUT_DIR/walk.png (STEPS images in a row, left: the first code, right: the second) and
// OUT_DIR/walk.npy (float32 STEPS x 1 x 28 x 28, values in [0, 1]).
#include <charconv>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <span>
#include <string>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xview.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/data/npy.hpp>
#include <ctnn/io/xtensor.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/viz/image_grid.hpp>

using namespace ctnn;

/// mnist_dcgan's GAN on the Cpu: the checkpoint holds both networks and their optimizers.
using Dcgan = Gan<models::DcganGenerator<10>, models::DcganDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>>;
using Digit = Dcgan::generated_shape;

/// argv[i] as a whole number in [low, high], or a message naming the argument.
std::uint64_t number(const char* text, const char* what, std::uint64_t low, std::uint64_t high) {
    std::uint64_t v = 0;
    const std::string s = text;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < low || v > high)
        throw std::invalid_argument(std::string(what) + " must be a whole number in [" + std::to_string(low) + ", " +
                                    std::to_string(high) + "], got '" + s + "'");
    return v;
}

int main(int argc, char** argv) try {
    if (argc < 3 || argc > 5) {
        std::cerr << "usage: latent_walk CHECKPOINT OUT_DIR [STEPS [SEED]]\n"
                     "  CHECKPOINT: an mnist_dcgan run's checkpoint.safetensors; STEPS: images in the walk (2-64, "
                     "default 10); SEED: of the two latent codes (default 0)\n";
        return 2;
    }
    const std::filesystem::path checkpoint = argv[1], out = argv[2];
    const index_t steps = argc > 3 ? number(argv[3], "STEPS", 2, 64) : 10;
    Rng codes_rng(argc > 4 ? number(argv[4], "SEED", 0, UINT64_MAX) : 0);

    // The trained GAN: built as mnist_dcgan builds it (uniform noise), then its weights loaded.
    Rng rng(0);  // the run's, which loading the checkpoint restores
    Dcgan gan(rng, {.noise = NoiseKind::uniform}, {}, {});
    std::int64_t epoch = 0;
    gan.checkpoint().counter("epoch", epoch).load(checkpoint);

    // Two codes drawn as the GAN draws its noise, rows of a [2, 10] array; the walk is
    // (1 - t) a + t b for t in [0, 1]: a [steps, 10] array of codes.
    Tensor<Dcgan::noise_shape, Cpu> ends;
    gan.sample_noise(ends, 2, codes_rng);
    const xt::xtensor<float, 2> z = to_xtensor(ends);
    const auto t = xt::view(xt::linspace<float>(0, 1, steps), xt::all(), xt::newaxis());
    const xt::xtensor<float, 2> codes = (1.0f - t) * xt::view(z, xt::range(0, 1), xt::all()) +
                                        t * xt::view(z, xt::range(1, 2), xt::all());

    // G's images (Tanh, in [-1, 1]) mapped to [0, 1].
    const xt::xarray<float> images = (generate(gan, codes) + 1.0f) / 2.0f;

    std::filesystem::create_directories(out);
    const std::span<const float> values(images.data(), images.size());
    data::write_npy<Digit>(out / "walk.npy", values);
    viz::save_image(out / "walk.png", {.values = values, .count = steps, .channels = 1, .height = 28, .width = 28},
                    {.nrow = steps});
    std::cout << "epoch " << epoch << " generator: walked " << steps << " steps between two codes; wrote "
              << (out / "walk.png").string() << " and " << (out / "walk.npy").string() << " (" << steps
              << " x 1 x 28 x 28, values in [0, 1])\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << "latent_walk: " << e.what() << "\n";
    return 1;
}
