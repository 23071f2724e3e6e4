// The sample-quality metrics on inputs whose answers are known in closed form.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include <ctnn/core/random.hpp>
#include <ctnn/metrics/energy_distance.hpp>
#include <ctnn/metrics/frechet_distance.hpp>
#include <ctnn/metrics/inception_score.hpp>

using namespace ctnn;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(inception_score_ends) {
    // Confident and balanced over 10 classes: KL = log 10 for every sample, IS = 10.
    std::vector<double> one_hot(100 * 10, 0.0);
    for (int i = 0; i < 100; ++i) one_hot[i * 10 + i % 10] = 1.0;
    BOOST_TEST(metrics::inception_score(one_hot, 10) == 10.0, tt::tolerance(1e-8));
    // Every sample the same class, or no sample confident: IS = 1.
    std::vector<double> same(100 * 10, 0.0), unsure(100 * 10, 0.1);
    for (int i = 0; i < 100; ++i) same[i * 10 + 3] = 1.0;
    BOOST_TEST(metrics::inception_score(same, 10) == 1.0, tt::tolerance(1e-8));
    BOOST_TEST(metrics::inception_score(unsure, 10) == 1.0, tt::tolerance(1e-8));
    // Half the samples class 0, half class 1, confidently: IS = 2.
    std::vector<double> two(10 * 10, 0.0);
    for (int i = 0; i < 10; ++i) two[i * 10 + i % 2] = 1.0;
    BOOST_TEST(metrics::inception_score(two, 10) == 2.0, tt::tolerance(1e-8));
    // p = (0.5, 0.5) and (1, 0) over 2 classes: p_y = (0.75, 0.25);
    // KL_1 = 0.5 log(0.5/0.75) + 0.5 log(0.5/0.25), KL_2 = log(1/0.75).
    const std::vector<double> mixed{0.5, 0.5, 1.0, 0.0};
    const double kl = 0.5 * (0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(2.0)) + 0.5 * std::log(1 / 0.75);
    BOOST_TEST(metrics::inception_score(mixed, 2) == std::exp(kl), tt::tolerance(1e-8));
}

BOOST_AUTO_TEST_CASE(label_histogram_counts_arg_max) {
    const std::vector<double> p{0.1, 0.9, 0.8, 0.2, 0.3, 0.7};
    BOOST_TEST(metrics::label_histogram(p, 2) == (std::vector<index_t>{1, 2}), tt::per_element());
    BOOST_CHECK_THROW(metrics::inception_score(p, 4), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(frechet_distance_closed_forms) {
    Rng rng(3);
    const index_t n = 400, dim = 5;
    std::vector<float> a(n * dim), shifted(n * dim), doubled(n * dim);
    for (auto& v : a) v = rng.normal<float>();
    const auto g = metrics::fit_gaussian(a, dim);
    for (index_t i = 0; i < n; ++i)
        for (index_t k = 0; k < dim; ++k) {
            shifted[i * dim + k] = a[i * dim + k] + static_cast<float>(k);                          // mean moves by (0..4)
            doubled[i * dim + k] = static_cast<float>(2 * (a[i * dim + k] - g.mean[k]) + g.mean[k]);  // covariance x4
        }
    BOOST_TEST(metrics::frechet_distance(a, a, dim) == 0.0, tt::tolerance(1e-6));
    // Same covariance: only |mu_a - mu_b|^2 = 0 + 1 + 4 + 9 + 16 remains.
    BOOST_TEST(metrics::frechet_distance(a, shifted, dim) == 30.0, tt::tolerance(1e-4));
    // S_b = 4 S_a: tr S + tr 4S - 2 tr 2S = tr S.
    BOOST_TEST(metrics::frechet_distance(a, doubled, dim) == g.covariance.trace(), tt::tolerance(1e-4));
    BOOST_CHECK_THROW(metrics::frechet_distance(a, std::vector<float>(8), dim), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(energy_distance_by_hand_and_by_sample) {
    // 1-D: E|X - Y| = (10 + 11 + 9 + 10) / 4 = 10, E|X - X'| = E|Y - Y'| = 1: 2 * 10 - 1 - 1.
    BOOST_TEST(metrics::energy_distance(std::vector<float>{0, 1}, std::vector<float>{10, 11}, 1) == 18.0,
               tt::tolerance(1e-12));
    Rng rng(5);
    std::vector<float> a(2 * 500), b(2 * 500), moved(2 * 500);
    for (auto& v : a) v = rng.normal<float>();
    for (auto& v : b) v = rng.normal<float>();
    for (std::size_t i = 0; i < b.size(); ++i) moved[i] = b[i] + 1.0f;
    const double same = metrics::energy_distance(a, b, 2), apart = metrics::energy_distance(a, moved, 2);
    BOOST_TEST(std::abs(same) < 0.02);
    BOOST_TEST(apart > 0.3);
}
