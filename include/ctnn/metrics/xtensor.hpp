// The Inception Score and the Frechet distance of xtensor arrays: thin overloads of the span
// forms (metrics/inception_score.hpp, metrics/frechet_distance.hpp) for a program whose features
// and probabilities are arrays (io/xtensor.hpp). A header of its own, so that io/xtensor.hpp
// stays free of Eigen for nvcc's units.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xoperation.hpp>
#include <xtensor/xtensor.hpp>

#include "ctnn/data/dataset.hpp"
#include "ctnn/metrics/frechet_distance.hpp"
#include "ctnn/metrics/inception_score.hpp"

namespace ctnn {

namespace metrics {
namespace detail {
/// e as a row-major [rows, columns] array of T, checked to be 2-D.
template <class T, class E>
xt::xtensor<T, 2> rows(const xt::xexpression<E>& expression, const char* who, const char* what) {
    const E& e = expression.derived_cast();
    if (e.dimension() != 2)
        throw std::invalid_argument(std::string("ctnn::metrics::") + who + ": " + what + " of shape " +
                                    data::dims_str(std::vector<std::uint64_t>(e.shape().begin(), e.shape().end())) +
                                    ": wanted a 2-D array [rows, columns]");
    return xt::xtensor<T, 2>(xt::cast<T>(e));
}
}  // namespace detail

/// inception_score of the rows of p(y|x) in a 2-D array [n, classes].
template <class E>
double inception_score(const xt::xexpression<E>& probabilities) {
    const auto p = detail::rows<double>(probabilities, "inception_score", "probabilities");
    return inception_score(std::span<const double>(p.data(), p.size()), p.shape(1));
}

/// frechet_distance between the feature rows of two 2-D arrays [n_a, dim] and [n_b, dim].
template <class A, class B>
double frechet_distance(const xt::xexpression<A>& a, const xt::xexpression<B>& b) {
    const auto x = detail::rows<float>(a, "frechet_distance", "features"),
               y = detail::rows<float>(b, "frechet_distance", "features");
    if (x.shape(1) != y.shape(1))
        throw std::invalid_argument("ctnn::metrics::frechet_distance: features of " + std::to_string(x.shape(1)) +
                                    " and of " + std::to_string(y.shape(1)) + " columns");
    return frechet_distance(std::span<const float>(x.data(), x.size()), std::span<const float>(y.data(), y.size()),
                            x.shape(1));
}
}  // namespace metrics

}  // namespace ctnn
