// The seeds' MNIST classifier (784-512-512-10, Dropout 0.2, RMSprop lr 1e-3 alpha 0.9) and the
// sample-quality figures it gives: Inception Score, predicted-label histogram, and the Frechet
// distance in its penultimate-layer features. Compiled once, shared by every trainer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <ctnn/core/shape.hpp>
#include <ctnn/data/dataset.hpp>
#include <nlohmann/json.hpp>

#include "run.hpp"

namespace examples {

using DigitShape = ctnn::Shape<1, 28, 28>;
using DigitData = ctnn::data::Dataset<DigitShape, float>;

struct ClassifierOptions {
    ctnn::index_t batch = 128;
    double lr = 1e-3;
    double alpha = 0.9;
};

/// The classifier in eval mode (Dropout off: seed 003 leaves it on when scoring, a slip).
class DigitClassifier {
public:
    static constexpr ctnn::index_t classes = 10;
    static constexpr ctnn::index_t feature_size = 512;

    /// Loads `path`, or, when it does not exist, trains one with mnist_classifier's defaults on
    /// `data` (saying so) and saves it there first.
    static DigitClassifier load_or_train(const std::filesystem::path& path, const std::string& data);
    explicit DigitClassifier(const std::filesystem::path& checkpoint);
    ~DigitClassifier();
    DigitClassifier(DigitClassifier&&) noexcept;

    /// p(y|x) (n x 10) and penultimate features (n x 512) of n images in [0, 1].
    void evaluate(std::span<const float> images, std::vector<double>& probabilities, std::vector<float>& features);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The figures of generated digits (values in [0, 1]) against --data's test split (MNIST's 10,000
/// test digits): inception_score, label_histogram, frechet_distance (to the test digits), each
/// next to what real digits score: inception_score_real_heldout (the test digits) and
/// frechet_distance_real_train (as many training digits as the test split holds, to the test
/// digits: the floor a perfect generator reaches). Prints the pairs; writes label_histogram.png
/// into `out`. With `conditioned` (a conditional generator's label of each sample), also
/// conditioned_label_accuracy: the share of samples the classifier assigns to their label.
nlohmann::ordered_json digit_quality(DigitClassifier& classifier, std::span<const float> generated,
                                     const std::string& data, const std::filesystem::path& out,
                                     const std::string& title, std::span<const std::int32_t> conditioned = {});

}  // namespace examples
