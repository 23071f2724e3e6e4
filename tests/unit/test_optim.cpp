// Adam, SGD and RMSprop against torch.optim's trajectories (tests/reference/golden_optim.py),
// their state save/restore, zero_grad and option checks.
#define BOOST_TEST_MODULE optim
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

#include "support/golden.hpp"

using namespace ctnn;
using ctnn::test::cast_values;
using ctnn::test::expect_close;
using ctnn::test::GoldenFile;

namespace {

using Net = Sequential<Input<3>, Linear<3, 2>>;
constexpr int golden_steps = 20;

double option(const GoldenFile& g, const std::string& name) { return g.at("option:" + name).values.at(0); }

AdamOptions adam_options(const GoldenFile& g) {
    return {.lr = option(g, "lr"),
            .beta1 = option(g, "beta1"),
            .beta2 = option(g, "beta2"),
            .eps = option(g, "eps"),
            .weight_decay = option(g, "weight_decay")};
}
SGDOptions sgd_options(const GoldenFile& g) {
    return {.lr = option(g, "lr"),
            .momentum = option(g, "momentum"),
            .dampening = option(g, "dampening"),
            .weight_decay = option(g, "weight_decay"),
            .nesterov = option(g, "nesterov") != 0};
}
RMSpropOptions rmsprop_options(const GoldenFile& g) {
    return {.lr = option(g, "lr"),
            .alpha = option(g, "alpha"),
            .eps = option(g, "eps"),
            .weight_decay = option(g, "weight_decay"),
            .momentum = option(g, "momentum"),
            .centered = option(g, "centered") != 0};
}

/// The options of a golden case for optimizer Opt.
template <class Opt>
typename Opt::Options options_of(const GoldenFile& g) {
    if constexpr (std::is_same_v<typename Opt::Options, AdamOptions>)
        return adam_options(g);
    else if constexpr (std::is_same_v<typename Opt::Options, SGDOptions>)
        return sgd_options(g);
    else
        return rmsprop_options(g);
}

/// Gives net the golden case's initial parameters.
template <class NetT>
void load_golden_parameters(const GoldenFile& g, NetT& net) {
    using T = typename NetT::scalar;
    net.visit_parameters([&](const std::string& name, auto& p, auto&) {
        p.copy_from_host(cast_values<T>(g.at("param:" + name).values));
    });
}

/// Sets the network's gradients to the golden case's step k and steps.
template <class NetT, class Opt>
void golden_step(const GoldenFile& g, NetT& net, Opt& opt, int k) {
    using T = typename NetT::scalar;
    net.visit_parameters([&](const std::string& name, auto&, auto& grad) {
        grad.copy_from_host(cast_values<T>(g.at("grad" + std::to_string(k) + ":" + name).values));
    });
    opt.step();
}

template <class NetT>
void expect_after(const GoldenFile& g, NetT& net, int k, double rtol, double atol) {
    net.visit_parameters([&](const std::string& name, auto& p, auto&) {
        const std::string rec = "after" + std::to_string(k) + ":" + name;
        expect_close(g.path() + " " + rec, p.to_host(), g.at(rec), rtol, atol);
    });
}

/// Optimizer Opt<Cpu, T> follows the golden trajectory for every step.
template <template <class, class> class Opt, class T>
void check_trajectory(const std::string& name, double rtol, double atol) {
    GoldenFile g("optim_" + name);
    Rng rng(0);
    Network<Net, Cpu, T> net(rng);
    load_golden_parameters(g, net);
    Opt<Cpu, T> opt(net, options_of<Opt<Cpu, T>>(g));
    for (int k = 0; k < golden_steps; ++k) {
        golden_step(g, net, opt, k);
        expect_after(g, net, k, rtol, atol);
    }
    BOOST_TEST(opt.steps() == golden_steps);
}

/// Saves an optimizer's state halfway, restores it into a fresh optimizer on a copy of the
/// network, and checks that both continue bit for bit identically (and as torch does).
template <template <class, class> class Opt>
void check_state_round_trip(const std::string& name, const std::vector<std::string>& expected_names) {
    GoldenFile g("optim_" + name);
    Rng rng(0);
    Network<Net, Cpu, double> net(rng);
    load_golden_parameters(g, net);
    Opt<Cpu, double> opt(net, options_of<Opt<Cpu, double>>(g));
    for (int k = 0; k < golden_steps / 2; ++k) golden_step(g, net, opt, k);

    std::vector<std::string> names;
    std::map<std::string, std::vector<double>> saved;
    std::int64_t saved_step = 0;
    opt.visit_state([&](const std::string& n, auto& s) {
        names.push_back(n);
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(s)>>)
            saved_step = s;
        else
            saved[n] = s.to_host();
    });
    BOOST_TEST(names == expected_names, boost::test_tools::per_element());
    BOOST_TEST(saved_step == golden_steps / 2);

    Network<Net, Cpu, double> net2(rng);
    load_golden_parameters(g, net2);
    std::vector<std::vector<double>> params;
    net.visit_parameters([&](const std::string&, auto& p, auto&) { params.push_back(p.to_host()); });
    std::size_t i = 0;
    net2.visit_parameters([&](const std::string&, auto& p, auto&) { p.copy_from_host(params[i++]); });
    Opt<Cpu, double> opt2(net2, options_of<Opt<Cpu, double>>(g));
    opt2.visit_state([&](const std::string& n, auto& s) {
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(s)>>)
            s = saved_step;
        else
            s.copy_from_host(saved.at(n));
    });
    for (int k = golden_steps / 2; k < golden_steps; ++k) {
        golden_step(g, net, opt, k);
        golden_step(g, net2, opt2, k);
        std::vector<std::vector<double>> a, b;
        net.visit_parameters([&](const std::string&, auto& p, auto&) { a.push_back(p.to_host()); });
        net2.visit_parameters([&](const std::string&, auto& p, auto&) { b.push_back(p.to_host()); });
        BOOST_TEST(a == b);  // bit for bit
        expect_after(g, net2, k, 1e-12, 1e-14);
    }
    BOOST_TEST(opt2.steps() == golden_steps);
}

const std::vector<std::string> adam_cases{"adam", "adam_gan", "adam_weight_decay"};
const std::vector<std::string> sgd_cases{"sgd", "sgd_momentum", "sgd_nesterov", "sgd_weight_decay", "sgd_dampening"};
const std::vector<std::string> rmsprop_cases{"rmsprop", "rmsprop_centered", "rmsprop_momentum",
                                             "rmsprop_weight_decay", "rmsprop_all"};

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_double)
BOOST_AUTO_TEST_CASE(adam) {
    for (const auto& c : adam_cases) check_trajectory<Adam, double>(c, 1e-12, 1e-12);
}
BOOST_AUTO_TEST_CASE(sgd) {
    for (const auto& c : sgd_cases) check_trajectory<SGD, double>(c, 1e-12, 1e-12);
}
BOOST_AUTO_TEST_CASE(rmsprop) {
    for (const auto& c : rmsprop_cases) check_trajectory<RMSprop, double>(c, 1e-12, 1e-12);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(golden_float)
BOOST_AUTO_TEST_CASE(adam) {
    for (const auto& c : adam_cases) check_trajectory<Adam, float>(c, 1e-5, 1e-6);
}
BOOST_AUTO_TEST_CASE(sgd) {
    for (const auto& c : sgd_cases) check_trajectory<SGD, float>(c, 1e-5, 1e-6);
}
BOOST_AUTO_TEST_CASE(rmsprop) {
    for (const auto& c : rmsprop_cases) check_trajectory<RMSprop, float>(c, 1e-5, 1e-6);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(state_round_trip)
BOOST_AUTO_TEST_CASE(adam) {
    check_state_round_trip<Adam>("adam_gan", {"step", "0.weight.exp_avg", "0.weight.exp_avg_sq", "0.bias.exp_avg",
                                              "0.bias.exp_avg_sq"});
}
BOOST_AUTO_TEST_CASE(sgd) {
    check_state_round_trip<SGD>("sgd_dampening", {"step", "0.weight.momentum_buffer", "0.bias.momentum_buffer"});
    check_state_round_trip<SGD>("sgd", {"step"});
}
BOOST_AUTO_TEST_CASE(rmsprop) {
    check_state_round_trip<RMSprop>("rmsprop_all",
                                    {"step", "0.weight.square_avg", "0.weight.momentum_buffer", "0.weight.grad_avg",
                                     "0.bias.square_avg", "0.bias.momentum_buffer", "0.bias.grad_avg"});
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(zero_grad_and_set_lr) {
    Rng rng(1);
    Network<Sequential<Input<4>, Linear<4, 3>, ReLU, Linear<3, 2>>, Cpu, double> net(rng);
    Adam<Cpu, double> opt(net);
    BOOST_TEST(opt.parameters().size() == 4u);
    net.visit_parameters([](const std::string&, auto&, auto& grad) { grad.fill(1.5); });
    opt.zero_grad();
    net.visit_parameters([](const std::string& name, auto&, auto& grad) {
        for (double v : grad.to_host()) BOOST_TEST(v == 0.0, name);
    });
    BOOST_TEST(opt.options().lr == 1e-3);
    opt.set_lr(2e-4);
    BOOST_TEST(opt.options().lr == 2e-4);
    BOOST_CHECK_THROW(opt.set_lr(-1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(invalid_options_throw) {
    Rng rng(1);
    Network<Net, Cpu, float> net(rng);
    BOOST_CHECK_THROW((SGD<Cpu, float>(net, {.momentum = 0.9})), std::invalid_argument);  // no lr
    BOOST_CHECK_THROW((SGD<Cpu, float>(net, {.lr = 0.1, .nesterov = true})), std::invalid_argument);
    BOOST_CHECK_THROW((SGD<Cpu, float>(net, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true})),
                      std::invalid_argument);
    BOOST_CHECK_THROW((Adam<Cpu, float>(net, {.beta1 = 1.0})), std::invalid_argument);
    BOOST_CHECK_THROW((Adam<Cpu, float>(net, {.lr = -1e-3})), std::invalid_argument);
    BOOST_CHECK_THROW((RMSprop<Cpu, float>(net, {.alpha = -0.5})), std::invalid_argument);
    BOOST_CHECK_NO_THROW((SGD<Cpu, float>(net, {.lr = 0.1, .momentum = 0.9, .nesterov = true})));
}
