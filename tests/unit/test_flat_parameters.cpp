// Parameters and gradients in one flat buffer per network: checkpoints written before the change
// still load and continue bit for bit.
#define BOOST_TEST_MODULE flat_parameters
#include <boost/test/unit_test.hpp>

#include "support/reference_gan.hpp"
#include "support/temp_dir.hpp"

#include <string>

using namespace ctnn;
using namespace ctnn::test::reference_gan;

namespace {
const std::string checkpoints = std::string(CTNN_GOLDEN_DIR) + "/../checkpoints/";

/// Every tensor and metadata entry of a and b are equal, byte for byte.
void check_same_file(const io::SafeTensors& a, const io::SafeTensors& b) {
    BOOST_TEST(a.tensors.size() == b.tensors.size());
    for (const auto& [name, t] : a.tensors) {
        BOOST_TEST_CONTEXT(name) {
            BOOST_REQUIRE(b.has(name));
            const auto& u = b.tensors.at(name);
            BOOST_TEST((t.dtype == u.dtype));
            BOOST_TEST(t.shape == u.shape, boost::test_tools::per_element());
            BOOST_TEST(t.bytes == u.bytes);
        }
    }
    BOOST_TEST((a.metadata == b.metadata));
}
}  // namespace

// tiny_gan_step3/5 were written by the code that kept every parameter in its own tensor: 3 steps
// from Rng(29), then 2 more (tests/support/reference_gan.hpp). Loading step 3 and training 2 steps
// must write step 5's file again: the same names, shapes, weights, optimizer state and bits.
BOOST_AUTO_TEST_CASE(checkpoint_of_per_tensor_parameters_loads_and_continues_bit_for_bit) {
    test::TempDir dir;
    Rng rng(1);  // another seed: everything must come from the file
    TinyGan gan(rng, {}, g_options, d_options);
    gan.checkpoint().load(checkpoints + "tiny_gan_step3.safetensors");
    gan.checkpoint().save(dir.path / "step3.safetensors");
    check_same_file(io::SafeTensors::load(checkpoints + "tiny_gan_step3.safetensors"),
                    io::SafeTensors::load(dir.path / "step3.safetensors"));
    train(gan, rng, 2);
    gan.checkpoint().save(dir.path / "step5.safetensors");
    check_same_file(io::SafeTensors::load(checkpoints + "tiny_gan_step5.safetensors"),
                    io::SafeTensors::load(dir.path / "step5.safetensors"));
}

