// The energy distance between two samples of points (Szekely and Rizzo): 2 E|X - Y| - E|X - X'| -
// E|Y - Y'|, zero exactly when the two distributions are equal. The Swiss-roll GAN's two-sample
// score: it sees a missing arm of the roll that a loss curve does not.
#pragma once

#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include "ctnn/core/shape.hpp"

namespace ctnn::metrics {

namespace detail {
/// The mean Euclidean distance between rows of a and rows of b (pairs i == j excluded when a and b
/// are the same sample: the U-statistic).
inline double mean_pair_distance(std::span<const float> a, std::span<const float> b, index_t dim, bool same) {
    const index_t na = a.size() / dim, nb = b.size() / dim;
    double sum = 0;
    for (index_t i = 0; i < na; ++i)
        for (index_t j = same ? i + 1 : 0; j < nb; ++j) {
            double s = 0;
            for (index_t k = 0; k < dim; ++k) {
                const double d = static_cast<double>(a[i * dim + k]) - b[j * dim + k];
                s += d * d;
            }
            sum += std::sqrt(s);
        }
    const double pairs = same ? static_cast<double>(na) * (na - 1) / 2 : static_cast<double>(na) * nb;
    return sum / pairs;
}
}  // namespace detail

/// a, b: rows of dim coordinates (at least 2 rows each).
inline double energy_distance(std::span<const float> a, std::span<const float> b, index_t dim) {
    if (dim == 0 || a.size() % dim != 0 || b.size() % dim != 0 || a.size() < 2 * dim || b.size() < 2 * dim)
        throw std::invalid_argument("ctnn::metrics::energy_distance: need at least 2 rows of " + std::to_string(dim) +
                                    " coordinates in each sample (got " + std::to_string(a.size()) + " and " +
                                    std::to_string(b.size()) + " values)");
    return 2 * detail::mean_pair_distance(a, b, dim, false) - detail::mean_pair_distance(a, a, dim, true) -
           detail::mean_pair_distance(b, b, dim, true);
}

}  // namespace ctnn::metrics
