// PyTorch state_dicts in safetensors (tests/reference/make_state_dict.py) loaded with
// io::load_state_dict: outputs as PyTorch computes them, renamed and prefixed keys, partial loads,
// and errors that name the key and leave the network unchanged.
#define BOOST_TEST_MODULE state_dict
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/io/state_dict.hpp>

#include <algorithm>

#include "support/golden.hpp"

using namespace ctnn;

namespace {

// tests/reference/make_state_dict.py's Classifier: conv, bn, act, pool, then fc after a flatten.
using Classifier = Sequential<Input<1, 8, 8>, Conv2d<1, 4, 3, 1, 1>, BatchNorm2d<4>, LeakyReLU<0.2>, MaxPool2d<2>,
                              Flatten, Linear<64, 10>>;
using Generator = Sequential<Input<4>, Linear<4, 16>, ReLU, Linear<16, 8>, Tanh>;
const std::map<std::string, std::string> classifier_names{{"conv", "0"}, {"bn", "1"}, {"fc", "5"}};

std::string file(const std::string& name) { return std::string(CTNN_GOLDEN_DIR) + "/" + name + ".safetensors"; }

template <class NetT>
std::vector<double> all_state(NetT& net) {
    std::vector<double> v;
    net.visit_parameters([&](const std::string&, auto& p, auto&) { for (auto x : p.to_host()) v.push_back(x); });
    net.visit_buffers([&](const std::string&, auto& b) {
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
            v.push_back(static_cast<double>(b));
        else
            for (auto x : b.to_host()) v.push_back(x);
    });
    return v;
}

/// The FormatError f throws (its message), and that it left net as it was.
template <class NetT>
std::string error_of(NetT& net, const std::function<void()>& f) {
    const auto before = all_state(net);
    std::string what = "(no error)";
    try {
        f();
    } catch (const io::FormatError& e) {
        what = e.what();
    }
    BOOST_CHECK_MESSAGE(all_state(net) == before, "a failed load changed the network");
    return what;
}

template <class NetT>
void expect_golden_output(NetT& net, const std::string& case_name) {
    const test::GoldenFile g(case_name);
    using In = typename NetT::input_shape;
    const auto x = Tensor<In, Cpu>::from_host(test::cast_values<float>(g.at("input").materialize()));
    net.eval();
    test::expect_close(case_name + " output", net.forward(x).to_host(), g.at("output"), 1e-5, 1e-6);
}

}  // namespace

BOOST_AUTO_TEST_CASE(classifier_with_renamed_modules_computes_what_pytorch_does) {
    Rng rng(1);
    Network<Classifier> net(rng);
    const auto report = io::load_state_dict(net, file("state_dict_classifier"), {.rename = classifier_names});
    BOOST_TEST(report.loaded.size() == 9u);  // conv 2, bn 2 + 3 buffers, fc 2
    BOOST_TEST(report.missing.empty());
    BOOST_TEST(report.unexpected.empty());
    std::int64_t tracked = -1;
    net.visit_buffers([&](const std::string& name, auto& b) {
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
            if (name == "1.num_batches_tracked") tracked = b;
    });
    BOOST_TEST(tracked == 3);  // the script's three training batches
    expect_golden_output(net, "state_dict_classifier");
}

BOOST_AUTO_TEST_CASE(prefix_picks_one_network_out_of_a_gan) {
    Rng rng(2);
    Network<Generator> g(rng);
    const auto report = io::load_state_dict(g, file("state_dict_gan"), {.prefix = "G."});
    BOOST_TEST(report.loaded.size() == 4u);
    BOOST_TEST(report.unexpected.empty());  // D.* lies outside the prefix
    expect_golden_output(g, "state_dict_generator");
}

BOOST_AUTO_TEST_CASE(partial_load_reports_what_it_left) {
    Rng rng(3);
    Network<Classifier> net(rng);
    const auto fc_before = net.layers().layer<5>().weight.to_host();
    const auto report = io::load_state_dict(net, file("state_dict_classifier"),
                                            {.rename = {{"conv", "0"}, {"bn", "1"}}, .strict = false});
    BOOST_TEST(report.loaded.size() == 7u);
    BOOST_TEST((report.missing == std::vector<std::string>{"5.weight", "5.bias"}));
    BOOST_TEST((report.unexpected == std::vector<std::string>{"fc.bias", "fc.weight"}));
    BOOST_TEST(net.layers().layer<5>().weight.to_host() == fc_before);
}

BOOST_AUTO_TEST_CASE(errors_name_the_key_and_change_nothing) {
    Rng rng(4);
    Network<Classifier> net(rng);
    const std::string path = file("state_dict_classifier");
    // Without the name map nothing matches.
    std::string e = error_of(net, [&] { io::load_state_dict(net, path); });
    BOOST_TEST(e.find("no tensor for 0.weight") != std::string::npos, e);
    BOOST_TEST(e.find(path) != std::string::npos, e);
    // A key the map leaves unmatched.
    e = error_of(net, [&] { io::load_state_dict(net, path, {.rename = {{"conv", "0"}, {"bn", "1"}, {"fc", "5"}, {"bn.num_batches_tracked", "x"}}}); });
    BOOST_TEST(e.find("1.num_batches_tracked") != std::string::npos, e);
    // A network whose last layer has 9 outputs.
    using Nine = Sequential<Input<1, 8, 8>, Conv2d<1, 4, 3, 1, 1>, BatchNorm2d<4>, LeakyReLU<0.2>, MaxPool2d<2>,
                            Flatten, Linear<64, 9>>;
    Network<Nine> nine(rng);
    e = error_of(nine, [&] { io::load_state_dict(nine, path, {.rename = classifier_names}); });
    BOOST_TEST(e.find("tensor fc.weight (for 5.weight) has shape [10, 64], the network's is [9, 64]") != std::string::npos, e);
    // Float weights into a double network.
    Network<Classifier, Cpu, double> twice(rng);
    e = error_of(twice, [&] { io::load_state_dict(twice, path, {.rename = classifier_names}); });
    BOOST_TEST(e.find("is F32, the network holds F64") != std::string::npos, e);
    // Two keys for one name.
    e = error_of(net, [&] { io::load_state_dict(net, path, {.rename = {{"conv", "0"}, {"bn", "0"}, {"fc", "5"}}}); });
    BOOST_TEST(e.find("both map to 0.bias") != std::string::npos, e);
}
