// The bf16 mixed-precision policy: rounding to bf16 against PyTorch's (ties, denormals, infinities,
// NaN), every GEMM layer's forward and backward under Bf16Mixed<Cpu> against PyTorch in float64 on
// bf16-rounded operands (tests/reference/golden_bf16.py), and checkpoints that stay float.
// Cpu::gemm_bf16 itself is checked in test_gemm (and test_gemm_dnnl, oneDNN's bf16 kernels).
#define BOOST_TEST_MODULE bf16
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <ctnn/ctnn.hpp>
#include <ctnn/io/checkpoint.hpp>

#include "support/golden.hpp"
#include "support/temp_dir.hpp"

using namespace ctnn;
using test::check_against_golden;

namespace {
using Bf16 = Bf16Mixed<Cpu>;
using Lin = Sequential<Input<40>, Linear<40, 24>>;
using Conv = Sequential<Input<3, 9, 8>, Conv2d<3, 5, 4, 2, 1>>;
using Deconv = Sequential<Input<4, 5, 4>, ConvTranspose2d<4, 3, 4, 2, 1>>;
using Stack = Sequential<Input<12>, Linear<12, 32>, BatchNorm1d<32>, ReLU, Linear<32, 18>, Reshape<2, 3, 3>,
                         ConvTranspose2d<2, 4, 4, 2, 1>, BatchNorm2d<4>, LeakyReLU<0.2>, Conv2d<4, 2, 3>, Tanh>;

static_assert(to_bf16(1.0f) == 0x3F80 && to_bf16(-2.0f) == 0xC000 && from_bf16(0x3F80) == 1.0f);
static_assert(Bf16Device<Cpu> && Device<Bf16>);
}  // namespace

BOOST_AUTO_TEST_CASE(rounding_matches_pytorch) {
    std::ifstream in(std::string(CTNN_GOLDEN_DIR) + "/bf16_rounding.txt");
    BOOST_REQUIRE(in);
    std::vector<float> values;
    std::vector<std::uint16_t> want;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::uint32_t f = 0, b = 0;
        std::istringstream(line) >> std::hex >> f >> b;
        values.push_back(std::bit_cast<float>(f));
        want.push_back(static_cast<std::uint16_t>(b));
    }
    BOOST_REQUIRE_GE(values.size(), 250u);
    std::vector<std::uint16_t> bulk(values.size());
    std::vector<float> rounded(values.size());
    detail::to_bf16_n(values.data(), values.size(), bulk.data());
    detail::round_to_bf16_n(values.data(), values.size(), rounded.data());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto bits = std::bit_cast<std::uint32_t>(values[i]);
        BOOST_TEST(to_bf16(values[i]) == want[i], std::hex << bits << " -> " << to_bf16(values[i]) << ", PyTorch gives " << want[i]);
        BOOST_TEST(bulk[i] == want[i], std::hex << bits);
        BOOST_TEST(std::bit_cast<std::uint32_t>(rounded[i]) == std::uint32_t{want[i]} << 16, std::hex << bits);
        // Every bf16 converts back to itself (NaN to the same NaN).
        BOOST_TEST(to_bf16(from_bf16(want[i])) == want[i], std::hex << want[i]);
    }
}

// The AVX512_BF16 bulk conversion (vcvtne2ps2bf16, which flushes denormals and keeps NaN payloads
// itself) gives to_bf16's bits for every float: PyTorch's goldens, then random bit patterns of
// every class at lengths that leave a tail, with and without MXCSR's denormal flags. Where the CPU
// lacks AVX512_BF16 the portable loop is checked in its place (to_bf16_n_fastest falls back to it).
BOOST_AUTO_TEST_CASE(the_fastest_bulk_conversion_gives_to_bf16s_bits) {
    BOOST_TEST_MESSAGE("AVX512_BF16 conversion: " << (detail::cpu_has_avx512_bf16() ? "checked" : "not on this CPU"));
    std::ifstream in(std::string(CTNN_GOLDEN_DIR) + "/bf16_rounding.txt");
    BOOST_REQUIRE(in);
    std::vector<float> golden, finite;  // finite: the goldens without NaN and denormals, all vector path
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::uint32_t f = 0;
        std::istringstream(line) >> std::hex >> f;
        golden.push_back(std::bit_cast<float>(f));
        if (!std::isnan(golden.back()) && std::fpclassify(golden.back()) != FP_SUBNORMAL) finite.push_back(golden.back());
    }
    Rng rng(11);
    std::vector<float> random(100003);
    for (float& v : random) {
        const auto bits = static_cast<std::uint32_t>(rng.bits());
        // A quarter with exponent 0 (denormals, zeros) and a quarter with exponent 255 (infinities, NaN).
        const std::uint32_t pick = bits & 3u;
        v = std::bit_cast<float>(pick == 0 ? bits & 0x807FFFFFu : pick == 1 ? bits | 0x7F800000u : bits);
    }
    const auto check = [](const std::vector<float>& x, const char* what) {
        std::vector<std::uint16_t> got(x.size());
        detail::to_bf16_n_fastest(x.data(), x.size(), got.data());
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < x.size(); ++i) wrong += got[i] != to_bf16(x[i]);
        BOOST_TEST(wrong == 0u, what << ": " << wrong << " of " << x.size() << " differ from to_bf16");
    };
    check(golden, "goldens");
    check(finite, "finite goldens");
    check(random, "random bit patterns");
    {
        const FlushDenormals flush;
        check(random, "random bit patterns, denormals flushed by MXCSR");
    }
}

// Each layer under Bf16Mixed against PyTorch in float64 on the same bf16-rounded operands: what is
// left is float summation (K <= 64 products here), hence 1e-5. The fp32 policy misses the same
// values by ~1e-3 (rounding's own error), as the last case checks.
BOOST_AUTO_TEST_CASE(linear) { check_against_golden<Lin, Bf16, float>("bf16_linear", 1e-5, 1e-5); }
BOOST_AUTO_TEST_CASE(conv2d) { check_against_golden<Conv, Bf16, float>("bf16_conv2d", 1e-5, 1e-5); }
BOOST_AUTO_TEST_CASE(conv_transpose2d) { check_against_golden<Deconv, Bf16, float>("bf16_conv_transpose2d", 1e-5, 1e-5); }
// Rounding happens on float32 intermediates here and on float64 ones in PyTorch: an activation
// within float's error of a bf16 tie may round the other way, so a looser bound.
BOOST_AUTO_TEST_CASE(stack_with_batchnorm) { check_against_golden<Stack, Bf16, float>("bf16_stack", 1e-4, 1e-4); }

BOOST_AUTO_TEST_CASE(the_fp32_policy_does_not_pass_for_bf16) {
    test::GoldenFile g("bf16_linear");
    Rng rng(0);
    Network<Lin, Cpu, float> net(rng);
    test::load_golden_state(net, g);
    const auto x = Tensor<Shape<40>, Cpu, float>::from_host(test::cast_values<float>(g.at("input").materialize()));
    const std::vector<float> y = net.forward(x).to_host();
    const auto& want = g.at("output").values;
    double worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(y[i] - want[i]));
    BOOST_TEST(worst > 1e-3, "fp32 output differs from the bf16 golden by " << worst);
}

// Parameters are float under either policy: a checkpoint is byte for byte the file the fp32 policy
// writes, and loads into either.
BOOST_AUTO_TEST_CASE(checkpoints_stay_float) {
    test::TempDir dir;
    const auto file = [&](const char* name) {
        std::ifstream in(dir.path / name, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    Rng r1(5), r2(5), r3(6);
    Network<Stack, Bf16> mixed(r1);
    Network<Stack, Cpu> fp32(r2);
    io::Checkpoint().network("g", mixed).save(dir.path / "mixed.safetensors");
    io::Checkpoint().network("g", fp32).save(dir.path / "fp32.safetensors");
    BOOST_TEST((file("mixed.safetensors") == file("fp32.safetensors")));
    Network<Stack, Bf16> loaded(r3);
    io::Checkpoint().network("g", loaded).load(dir.path / "fp32.safetensors");
    const auto values = [](const auto& net) {
        const auto& p = net.parameters();
        return std::vector<float>(p.values(), p.values() + p.size());
    };
    BOOST_TEST((values(loaded) == values(fp32)));
}
