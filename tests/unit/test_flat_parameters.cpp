// Parameters and gradients in one flat buffer per network: checkpoints written before the change
// still load and continue bit for bit, and the layers' parameters are views into the buffers.
#define BOOST_TEST_MODULE flat_parameters
#include <boost/test/unit_test.hpp>

#include "support/reference_gan.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <string>

using namespace ctnn;
using namespace ctnn::test::reference_gan;

namespace {
const std::string checkpoints = std::string(CTNN_GOLDEN_DIR) + "/../checkpoints/";

/// Every tensor and metadata entry of `old` (a file written by the per-tensor code) and `now` are
/// equal, byte for byte, but the format entry: the checkpoint format has moved on since (a version
/// that reads the old one), which is no concern of where parameters live.
void check_same_file(io::SafeTensors old, io::SafeTensors now) {
    BOOST_TEST(old.metadata.at("format") == "ctnn-checkpoint-1");
    BOOST_TEST(now.metadata.at("format") == io::Checkpoint::format);
    old.metadata.erase("format");
    now.metadata.erase("format");
    const io::SafeTensors& a = old;
    const io::SafeTensors& b = now;
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

// Every parameter and gradient is a view into its network's two flat buffers, in
// visit_parameters order, each starting on a 64-byte boundary; the padding between them is zero
// and stays zero through optimizer steps (which run over whole buffers), weight decay included.
template <class Opt>
void check_layout_and_padding(typename Opt::Options options) {
    Rng rng(7);
    Network<G, Cpu, float> net(rng);
    Opt opt(net, options);
    auto& flat = net.parameters();
    std::vector<std::string> names;
    std::size_t k = 0;
    net.visit_parameters([&](const std::string& name, auto& p, auto& g) {
        const auto& e = flat.entries().at(k++);
        names.push_back(name);
        BOOST_TEST(e.name == name);
        BOOST_TEST(p.data() == flat.values() + e.offset);
        BOOST_TEST(g.data() == flat.gradients() + e.offset);
        BOOST_TEST(e.size == p.size());
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data()) % parameter_alignment == 0u);
    });
    BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}),
               boost::test_tools::per_element());
    // 0.weight: 32 values, then 8 + 8 padding per 8-value parameter, then 144 + 18 (+14).
    BOOST_TEST(flat.size() == 32u + 16 + 16 + 16 + 144 + 32);
    std::vector<bool> padding(flat.size(), true);
    for (const auto& e : flat.entries())
        for (index_t i = 0; i < e.size; ++i) padding[e.offset + i] = false;
    Tensor<Shape<4>, Cpu> z(5);
    std::vector<float> zs(20);
    for (auto& v : zs) v = rng.normal<float>();
    z.copy_from_host(zs);
    Tensor<Shape<2, 3, 3>, Cpu> dy(5);
    for (int step = 0; step < 3; ++step) {
        net.forward(z);
        dy.fill(0.5f);
        net.backward(dy, {ParamGrads::overwrite});
        opt.step();
    }
    auto check_zero_padding = [&](const float* p, const char* what) {
        for (index_t i = 0; i < flat.size(); ++i)
            if (padding[i]) BOOST_TEST_REQUIRE(p[i] == 0.0f, Opt::name << " " << what << " at " << i);
    };
    check_zero_padding(flat.values(), "values");
    check_zero_padding(flat.gradients(), "gradients");
    // The parameters moved: padding that stayed zero was not merely never touched by a step.
    Rng same_seed(7);
    const Network<G, Cpu, float> initial(same_seed);
    BOOST_TEST(flat.values()[0] != initial.parameters().values()[0]);
}

BOOST_AUTO_TEST_CASE(parameters_are_views_into_aligned_flat_buffers_whose_padding_stays_zero) {
    check_layout_and_padding<Adam<Cpu, float>>({.lr = 1e-2, .weight_decay = 0.1});
    check_layout_and_padding<SGD<Cpu, float>>({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true});
    check_layout_and_padding<RMSprop<Cpu, float>>({.lr = 1e-2, .weight_decay = 0.1, .momentum = 0.5, .centered = true});
}
