// The Frechet distance between two Gaussians fitted to feature vectors: the FID idea (Heusel et
// al., 2017), here in any network's feature space (ctnn's examples use the digit classifier's
// penultimate layer). d = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)).
#pragma once

#include <Eigen/Dense>
#include <span>
#include <stdexcept>
#include <string>

#include "ctnn/core/shape.hpp"

/// How good a generator's samples are: the Frechet distance between fitted Gaussians, the
/// Inception Score (with a classifier of the data set), the energy distance between two samples.
namespace ctnn::metrics {

/// The mean and covariance (unbiased, n - 1, as numpy.cov) of n feature rows of size dim.
struct Gaussian {
    Eigen::VectorXd mean;        ///< dim values
    Eigen::MatrixXd covariance;  ///< dim x dim, symmetric
};

/// The Gaussian of features: n rows of dim values, row after row. Throws std::invalid_argument
/// unless there are at least 2 whole rows.
inline Gaussian fit_gaussian(std::span<const float> features, index_t dim) {
    if (dim == 0 || features.size() % dim != 0 || features.size() / dim < 2)
        throw std::invalid_argument("ctnn::metrics::fit_gaussian: need at least 2 rows of " + std::to_string(dim) +
                                    " features, got " + std::to_string(features.size()) + " values");
    const index_t n = features.size() / dim;
    const Eigen::MatrixXd x =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            features.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(dim))
            .cast<double>();
    Gaussian g;
    g.mean = x.colwise().mean().transpose();
    const Eigen::MatrixXd centred = x.rowwise() - g.mean.transpose();
    g.covariance = centred.transpose() * centred / static_cast<double>(n - 1);
    return g;
}

/// tr((S_a S_b)^(1/2)) through symmetric eigen-decompositions only: S_a S_b has the eigenvalues of
/// the symmetric S_a^(1/2) S_b S_a^(1/2). Rounding can make tiny eigenvalues negative; they are 0.
inline double trace_sqrt_product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ea(a);
    const Eigen::VectorXd root = ea.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    const Eigen::MatrixXd a_half = ea.eigenvectors() * root.asDiagonal() * ea.eigenvectors().transpose();
    const Eigen::MatrixXd m = a_half * b * a_half;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> em(0.5 * (m + m.transpose()), Eigen::EigenvaluesOnly);
    return em.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
}

/// The Frechet distance d above, clamped at 0 against rounding; throws std::invalid_argument
/// when the feature sizes differ.
inline double frechet_distance(const Gaussian& a, const Gaussian& b) {
    if (a.mean.size() != b.mean.size())
        throw std::invalid_argument("ctnn::metrics::frechet_distance: feature sizes differ (" +
                                    std::to_string(a.mean.size()) + " vs " + std::to_string(b.mean.size()) + ")");
    const double d = (a.mean - b.mean).squaredNorm() + a.covariance.trace() + b.covariance.trace() -
                     2.0 * trace_sqrt_product(a.covariance, b.covariance);
    return std::max(d, 0.0);
}

/// Between the Gaussians fitted to two sets of feature rows of size dim.
inline double frechet_distance(std::span<const float> a, std::span<const float> b, index_t dim) {
    return frechet_distance(fit_gaussian(a, dim), fit_gaussian(b, dim));
}

}  // namespace ctnn::metrics
