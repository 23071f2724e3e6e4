// The Inception Score as seed 003 defines it: exp of the mean over samples of
// KL(p(y|x) || p(y)), with p(y) the mean of p(y|x) over the same samples. On MNIST the "Inception"
// network is the seeds' small digit classifier; 10 is the best score (confident and balanced), 1
// the worst (every sample the same class, or no sample confident).
#pragma once

#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctnn/core/shape.hpp"

namespace ctnn::metrics {

namespace detail {
inline index_t rows_of(std::span<const double> probabilities, index_t classes, const char* what) {
    if (classes == 0 || probabilities.empty() || probabilities.size() % classes != 0)
        throw std::invalid_argument(std::string("ctnn::metrics::") + what + ": " +
                                    std::to_string(probabilities.size()) +
                                    " probabilities are not a whole number of rows of " + std::to_string(classes));
    return probabilities.size() / classes;
}
}  // namespace detail

/// probabilities: n rows of `classes` softmax outputs p(y|x_i), row after row.
inline double inception_score(std::span<const double> probabilities, index_t classes) {
    const index_t n = detail::rows_of(probabilities, classes, "inception_score");
    std::vector<double> p_y(classes, 0.0);
    for (index_t i = 0; i < n; ++i)
        for (index_t c = 0; c < classes; ++c) p_y[c] += probabilities[i * classes + c] / static_cast<double>(n);
    // The seed's eps keeps log(0) finite: a class with p = 0 contributes 0 * finite = 0.
    constexpr double eps = 1e-10;
    double mean_kl = 0;
    for (index_t i = 0; i < n; ++i) {
        double kl = 0;
        for (index_t c = 0; c < classes; ++c) {
            const double p = probabilities[i * classes + c];
            kl += p * (std::log(p + eps) - std::log(p_y[c] + eps));
        }
        mean_kl += kl / static_cast<double>(n);
    }
    return std::exp(mean_kl);
}

/// How many rows predict each class (their arg-max): the seeds' histogram of predicted labels.
inline std::vector<index_t> label_histogram(std::span<const double> probabilities, index_t classes) {
    const index_t n = detail::rows_of(probabilities, classes, "label_histogram");
    std::vector<index_t> counts(classes, 0);
    for (index_t i = 0; i < n; ++i) {
        index_t best = 0;
        for (index_t c = 1; c < classes; ++c)
            if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
        ++counts[best];
    }
    return counts;
}

}  // namespace ctnn::metrics
