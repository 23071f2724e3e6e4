// Every loss against PyTorch (tests/reference/golden_losses.py) under each reduction, including
// extreme inputs, and its gradient by finite differences.
#define BOOST_TEST_MODULE losses
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include <ctnn/ctnn.hpp>

#include "support/golden.hpp"

using namespace ctnn;
using ctnn::test::cast_values;
using ctnn::test::expect_close;
using ctnn::test::GoldenFile;

namespace {

constexpr std::array reductions{std::pair{Reduction::mean, "mean"}, std::pair{Reduction::sum, "sum"},
                                std::pair{Reduction::sum_per_sample_mean, "sum_per_sample_mean"}};

/// Runs loss(input, grad, reduction) on the golden case's input under each reduction and compares
/// the value and the gradient; without a gradient wanted the value must be the same.
template <AnyShape S, class T, class Loss>
void check_golden(const std::string& name, Loss loss, double rtol, double atol) {
    GoldenFile g("loss_" + name);
    const auto x = Tensor<S, Cpu, T>::from_host(cast_values<T>(g.at("input").materialize()));
    BOOST_REQUIRE_EQUAL(x.batch(), g.batch());
    Tensor<S, Cpu, T> grad(x.batch());
    for (const auto& [r, rname] : reductions) {
        const std::string suffix = std::string(".") + rname;
        const T value = loss(g, x.cview(), grad.view(), r);
        expect_close(name + " loss" + suffix, std::vector<T>{value}, g.at("loss" + suffix), rtol, atol);
        expect_close(name + " grad" + suffix, grad.to_host(), g.at("grad" + suffix), rtol, atol);
        BOOST_CHECK_EQUAL(loss(g, x.cview(), TensorView<S, Cpu, T>{}, r), value);
    }
}

/// The case's target: its `label` for every element, or its `target` tensor (kept in `storage`).
template <AnyShape S, class T>
Target<S, Cpu, T> target_of(const GoldenFile& g, Tensor<S, Cpu, T>& storage) {
    if (g.has("label")) return static_cast<T>(g.at("label").values.at(0));
    storage = Tensor<S, Cpu, T>::from_host(cast_values<T>(g.at("target").materialize()));
    return storage.cview();
}

/// An element-wise loss f(input, target, grad, reduction) against its golden case.
template <AnyShape S, class T, class F>
void check_elementwise(const std::string& name, F f, double rtol, double atol) {
    check_golden<S, T>(
        name,
        [&](const GoldenFile& g, ConstView<S, Cpu, T> x, TensorView<S, Cpu, T> grad, Reduction r) {
            Tensor<S, Cpu, T> storage;
            return f(x, target_of(g, storage), grad, r);
        },
        rtol, atol);
}

const auto bce_fn = [](auto x, auto t, auto g, Reduction r) { return bce(x, t, g, r); };
const auto bce_logits_fn = [](auto x, auto t, auto g, Reduction r) { return bce_with_logits(x, t, g, r); };
const auto mse_fn = [](auto x, auto t, auto g, Reduction r) { return mse(x, t, g, r); };
const auto ls_fn = [](auto x, auto t, auto g, Reduction r) { return least_squares(x, t, g, r); };

template <class T>
T cross_entropy_case(const GoldenFile& g, ConstView<Shape<5>, Cpu, T> x, TensorView<Shape<5>, Cpu, T> grad,
                     Reduction r) {
    std::vector<std::int32_t> labels;
    for (double v : g.at("labels").values) labels.push_back(static_cast<std::int32_t>(v));
    const auto y = Tensor<Shape<1>, Cpu, std::int32_t>::from_host(labels);
    return cross_entropy(x, y, grad, r);
}

template <class T>
T continuous_bernoulli_case(const GoldenFile& g, ConstView<Shape<12>, Cpu, T> x, TensorView<Shape<12>, Cpu, T> grad,
                            Reduction r) {
    Tensor<Shape<12>, Cpu, T> storage;
    const T weight = g.has("log_norm_weight") ? static_cast<T>(g.at("log_norm_weight").values.at(0)) : T(1);
    return continuous_bernoulli_nll(x, target_of(g, storage), grad, r, weight);
}

template <class T>
T wasserstein_case(const GoldenFile& g, ConstView<Shape<1>, Cpu, T> x, TensorView<Shape<1>, Cpu, T> grad,
                   Reduction r) {
    return wasserstein(x, static_cast<T>(g.at("sign").values.at(0)), grad, r);
}

template <class T>
T gaussian_kl_case(const GoldenFile&, ConstView<Shape<8>, Cpu, T> x, TensorView<Shape<8>, Cpu, T> grad, Reduction r) {
    return gaussian_kl(x, grad, r);
}

/// Central differences of loss(x) against its analytic gradient, in double.
template <AnyShape S, class F>
void finite_differences(const std::string& what, std::vector<double> x0, F loss, double h = 1e-6) {
    auto x = Tensor<S, Cpu, double>::from_host(x0);
    Tensor<S, Cpu, double> grad(x.batch());
    for (const auto& [r, rname] : reductions) {
        loss(x.cview(), grad.view(), r);
        const auto analytic = grad.to_host();
        std::size_t bad = 0;
        for (std::size_t i = 0; i < x0.size(); ++i) {
            auto xp = x0, xm = x0;
            xp[i] += h;
            xm[i] -= h;
            const double fp = loss(Tensor<S, Cpu, double>::from_host(xp).cview(), TensorView<S, Cpu, double>{}, r);
            const double fm = loss(Tensor<S, Cpu, double>::from_host(xm).cview(), TensorView<S, Cpu, double>{}, r);
            const double numeric = (fp - fm) / (2 * h);
            if (!(std::abs(numeric - analytic[i]) <= 1e-6 + 1e-6 * std::abs(numeric)) && ++bad <= 3)
                BOOST_ERROR(what << " (" << rname << ") d/dx[" << i << "]: analytic " << analytic[i]
                                 << ", finite differences " << numeric);
        }
        BOOST_TEST_MESSAGE(what << " (" << rname << "): " << x0.size() << " derivatives checked");
    }
}

/// n values a + b * sin(0.9 i + c): deterministic and spread.
std::vector<double> wave(std::size_t n, double a, double b, double c) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = a + b * std::sin(0.9 * static_cast<double>(i) + c);
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_double)
BOOST_AUTO_TEST_CASE(bce_probabilities) {
    check_elementwise<Shape<3, 2>, double>("bce", bce_fn, 1e-12, 1e-14);
    check_elementwise<Shape<1>, double>("bce_label", bce_fn, 1e-12, 1e-14);
}
BOOST_AUTO_TEST_CASE(bce_extreme) {
    // p of exactly 0 and 1: logs clamped at -100, gradients of order 1e12 from ATen's epsilon.
    check_elementwise<Shape<6>, double>("bce_extreme", bce_fn, 1e-12, 1e-14);
}
BOOST_AUTO_TEST_CASE(bce_with_logits) {
    check_elementwise<Shape<5>, double>("bce_with_logits", bce_logits_fn, 1e-12, 1e-14);
    check_elementwise<Shape<1>, double>("bce_with_logits_label", bce_logits_fn, 1e-12, 1e-14);
    check_elementwise<Shape<6>, double>("bce_with_logits_extreme", bce_logits_fn, 1e-12, 1e-14);
}
BOOST_AUTO_TEST_CASE(squared_errors) {
    check_elementwise<Shape<2, 3>, double>("mse", mse_fn, 1e-12, 1e-14);
    check_elementwise<Shape<2, 3>, double>("least_squares", ls_fn, 1e-12, 1e-14);
    check_elementwise<Shape<1>, double>("least_squares_label", ls_fn, 1e-12, 1e-14);
}
BOOST_AUTO_TEST_CASE(wasserstein_critic) {
    check_golden<Shape<1>, double>("wasserstein", wasserstein_case<double>, 1e-12, 1e-14);
}
// SN-GAN's hinge loss through adversarial_loss (D on real and on generated scores) and
// generator_loss (G's -mean), scores at the hinges +-1 included (gradient 0 there, as torch.relu's).
BOOST_AUTO_TEST_CASE(hinge_adversarial) {
    GoldenFile g("loss_hinge");
    const auto x = Tensor<Shape<1>, Cpu, double>::from_host(g.at("input").values);
    Tensor<Shape<1>, Cpu, double> grad(x.batch());
    const auto check = [&](const std::string& who, double value) {
        expect_close("hinge " + who, std::vector<double>{value}, g.at("loss." + who), 1e-12, 1e-14);
        expect_close("hinge grad." + who, grad.to_host(), g.at("grad." + who), 1e-12, 1e-14);
    };
    check("d_real", adversarial_loss(AdversarialLoss::hinge, x.cview(), 1.0, grad.view()));
    check("d_fake", adversarial_loss(AdversarialLoss::hinge, x.cview(), 0.0, grad.view()));
    check("g", generator_loss(AdversarialLoss::hinge, x.cview(), grad.view()));
}
BOOST_AUTO_TEST_CASE(cross_entropy_logits) {
    check_golden<Shape<5>, double>("cross_entropy", cross_entropy_case<double>, 1e-12, 1e-14);
}
BOOST_AUTO_TEST_CASE(gaussian_kl_divergence) {
    check_golden<Shape<8>, double>("gaussian_kl", gaussian_kl_case<double>, 1e-12, 1e-14);
}
BOOST_AUTO_TEST_CASE(continuous_bernoulli) {
    // Against torch's definition evaluated to 50 digits (golden_losses.py says why).
    check_golden<Shape<12>, double>("continuous_bernoulli", continuous_bernoulli_case<double>, 1e-12, 1e-14);
    check_golden<Shape<12>, double>("continuous_bernoulli_weighted", continuous_bernoulli_case<double>, 1e-12,
                                    1e-14);
}
BOOST_AUTO_TEST_SUITE_END()

// float: the cases without values float cannot represent, within single-precision rounding.
BOOST_AUTO_TEST_CASE(golden_float) {
    check_elementwise<Shape<3, 2>, float>("bce", bce_fn, 1e-5, 1e-6);
    check_elementwise<Shape<1>, float>("bce_label", bce_fn, 1e-5, 1e-6);
    check_elementwise<Shape<5>, float>("bce_with_logits", bce_logits_fn, 1e-5, 1e-6);
    check_elementwise<Shape<6>, float>("bce_with_logits_extreme", bce_logits_fn, 1e-5, 1e-6);
    check_elementwise<Shape<2, 3>, float>("mse", mse_fn, 1e-5, 1e-6);
    check_elementwise<Shape<2, 3>, float>("least_squares", ls_fn, 1e-5, 1e-6);
    check_golden<Shape<1>, float>("wasserstein", wasserstein_case<float>, 1e-6, 1e-7);
    check_golden<Shape<5>, float>("cross_entropy", cross_entropy_case<float>, 1e-5, 1e-6);
    check_golden<Shape<8>, float>("gaussian_kl", gaussian_kl_case<float>, 1e-5, 1e-6);
    check_golden<Shape<12>, float>("continuous_bernoulli", continuous_bernoulli_case<float>, 1e-5, 1e-5);
    check_golden<Shape<12>, float>("continuous_bernoulli_weighted", continuous_bernoulli_case<float>, 1e-5, 1e-5);
}

BOOST_AUTO_TEST_SUITE(finite_differences_double)
BOOST_AUTO_TEST_CASE(binary) {
    const auto t = Tensor<Shape<2, 3>, Cpu, double>::from_host(wave(12, 0.5, 0.45, 1.0));
    finite_differences<Shape<2, 3>>("bce", wave(12, 0.5, 0.4, 0.0),
                                    [&](auto x, auto g, Reduction r) { return bce(x, t.cview(), g, r); });
    finite_differences<Shape<2, 3>>("bce_with_logits", wave(12, 0.0, 4.0, 0.0),
                                    [&](auto x, auto g, Reduction r) { return bce_with_logits(x, 0.9, g, r); });
}
BOOST_AUTO_TEST_CASE(squared_and_critic) {
    const auto t = Tensor<Shape<4>, Cpu, double>::from_host(wave(8, 0.0, 1.0, 2.0));
    finite_differences<Shape<4>>("mse", wave(8, 0.1, 1.0, 0.0),
                                 [&](auto x, auto g, Reduction r) { return mse(x, t.cview(), g, r); });
    finite_differences<Shape<4>>("least_squares", wave(8, 0.1, 1.0, 0.0),
                                 [&](auto x, auto g, Reduction r) { return least_squares(x, 0.0, g, r); });
    finite_differences<Shape<4>>("wasserstein", wave(8, 0.1, 1.0, 0.0),
                                 [&](auto x, auto g, Reduction r) { return wasserstein(x, -1.0, g, r); });
    for (const double sign : {-1.0, 1.0})  // no score within 0.05 of a hinge
        finite_differences<Shape<4>>("hinge", wave(8, 0.1, 1.5, 0.0),
                                     [&](auto x, auto g, Reduction r) { return hinge(x, sign, g, r); });
}
BOOST_AUTO_TEST_CASE(cross_entropy_and_kl) {
    const auto y = Tensor<Shape<1>, Cpu, std::int32_t>::from_host({3, 0, 6});
    finite_differences<Shape<7>>("cross_entropy", wave(21, 0.0, 3.0, 0.5),
                                 [&](auto x, auto g, Reduction r) { return cross_entropy(x, y, g, r); });
    finite_differences<Shape<6>>("gaussian_kl", wave(18, 0.0, 2.0, 0.3),
                                 [&](auto x, auto g, Reduction r) { return gaussian_kl(x, g, r); });
}
BOOST_AUTO_TEST_CASE(continuous_bernoulli_nll_gradient) {
    // Logits on both sides of |l| = 1 (where log C's derivative switches to its series) and
    // outside the Taylor region; h small enough not to cross into it.
    const std::vector<double> l{-9.0, -2.5, -1.0001, -0.9999, -0.3, -0.01, 0.006, 0.08, 0.9999, 1.0001, 3.0, 14.0};
    const auto t = Tensor<Shape<12>, Cpu, double>::from_host(wave(12, 0.5, 0.5, 0.7));
    finite_differences<Shape<12>>(
        "continuous_bernoulli_nll", l,
        [&](auto x, auto g, Reduction r) { return continuous_bernoulli_nll(x, t.cview(), g, r, 0.7); }, 1e-7);
    // Inside the Taylor region.
    finite_differences<Shape<3>>(
        "continuous_bernoulli_nll (Taylor)", {0.001, -0.002, 0.0},
        [&](auto x, auto g, Reduction r) { return continuous_bernoulli_nll(x, 0.3, g, r); }, 1e-7);
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(continuous_bernoulli_saturated_logits) {
    // Where sigmoid rounds to 0 or 1 torch's log C is infinite; here it is log|l| + O(exp(-|l|)).
    const std::vector<double> l{100.0, -100.0, 1000.0, -1000.0};
    const auto x = Tensor<Shape<4>, Cpu, double>::from_host(l);
    Tensor<Shape<4>, Cpu, double> grad(1);
    const double loss = continuous_bernoulli_nll(x.cview(), 0.25, grad.view(), Reduction::sum);
    double want = 0;
    for (double v : l) want += std::max(v, 0.0) - 0.25 * v - std::log(std::abs(v));
    BOOST_TEST(loss == want, boost::test_tools::tolerance(1e-14));
    const auto g = grad.to_host();
    for (std::size_t i = 0; i < l.size(); ++i)
        BOOST_TEST(g[i] == (l[i] > 0 ? 1.0 : 0.0) - 0.25 - 1 / l[i], boost::test_tools::tolerance(1e-14));
    const auto xf = Tensor<Shape<4>, Cpu, float>::from_host({100.0f, -100.0f, 1000.0f, -1000.0f});
    BOOST_TEST(std::isfinite(continuous_bernoulli_nll(xf.cview(), 0.25f, {}, Reduction::sum)));
}

BOOST_AUTO_TEST_CASE(adversarial_dispatch) {
    const auto s = Tensor<Shape<1>, Cpu, double>::from_host({0.2, 0.7, 0.4});
    const auto logits = Tensor<Shape<1>, Cpu, double>::from_host({-1.0, 2.0, 0.5});
    Tensor<Shape<1>, Cpu, double> g1(3), g2(3);
    const auto same = [&](double a, double b) {
        BOOST_TEST(a == b);
        BOOST_TEST(g1.to_host() == g2.to_host(), boost::test_tools::per_element());
    };
    same(adversarial_loss(AdversarialLoss::bce, s.cview(), 0.9, g1.view()), bce(s.cview(), 0.9, g2.view()));
    same(adversarial_loss(AdversarialLoss::bce_with_logits, logits.cview(), 0.0, g1.view()),
         bce_with_logits(logits.cview(), 0.0, g2.view()));
    same(adversarial_loss(AdversarialLoss::least_squares, logits.cview(), 1.0, g1.view()),
         least_squares(logits.cview(), 1.0, g2.view()));
    // The critic: -mean for the real label, +mean for the fake one.
    same(adversarial_loss(AdversarialLoss::wasserstein, logits.cview(), 1.0, g1.view()),
         wasserstein(logits.cview(), -1.0, g2.view()));
    same(adversarial_loss(AdversarialLoss::wasserstein, logits.cview(), 0.0, g1.view()),
         wasserstein(logits.cview(), 1.0, g2.view()));
    BOOST_TEST(wasserstein(logits.cview(), 1.0, {}) == 0.5);
}

namespace {
template <class X, class Y, class G>
concept bce_accepts = requires(X x, Y y, G g) { bce(x, y, g); };
using V3 = ConstView<Shape<3>, Cpu, double>;
}  // namespace

BOOST_AUTO_TEST_CASE(wrong_shapes_do_not_compile_wrong_batches_throw) {
    static_assert(bce_accepts<V3, V3, TensorView<Shape<3>, Cpu, double>>);
    static_assert(bce_accepts<V3, double, TensorView<Shape<3>, Cpu, double>>);
    // A view of another sample shape (Shape<4>, Shape<3, 1>) is a hard error naming both shapes,
    // error::tensor_shape_mismatch, not a failed overload: compile_fail/batch_into_image_network.cpp.
    static_assert(!bce_accepts<V3, ConstView<Shape<3>, Cpu, float>, TensorView<Shape<3>, Cpu, double>>);

    const auto x = Tensor<Shape<3>, Cpu, double>::from_host(std::vector<double>(6, 0.5));
    const auto t = Tensor<Shape<3>, Cpu, double>::from_host(std::vector<double>(3, 0.5));
    Tensor<Shape<3>, Cpu, double> g(3);
    BOOST_CHECK_THROW(bce(x.cview(), t.cview(), {}), std::invalid_argument);
    BOOST_CHECK_THROW(bce(x.cview(), 1.0, g.view()), std::invalid_argument);
    BOOST_CHECK_THROW(mse(ConstView<Shape<3>, Cpu, double>{}, 1.0, {}), std::invalid_argument);

    const auto y = Tensor<Shape<1>, Cpu, std::int32_t>::from_host({0, 3});
    BOOST_CHECK_THROW(cross_entropy(x.cview(), y, {}), std::out_of_range);
}
