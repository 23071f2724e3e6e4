#include "digit_metrics.hpp"

#include <algorithm>
#include <iostream>

#include <ctnn/metrics/frechet_distance.hpp>

#include "classifier.hpp"

namespace examples {

using namespace ctnn;

template void classify<Cpu>(ClassifierNet<Cpu>&, std::span<const float>, std::vector<double>&, std::vector<float>&);
template void train_classifier<Cpu>(const RunOptions&, const ClassifierOptions&);

struct DigitClassifier::Impl {
    Rng rng{1};
    ClassifierNet<Cpu> net{rng};
};

DigitClassifier::DigitClassifier(const std::filesystem::path& checkpoint) : impl_(std::make_unique<Impl>()) {
    bind_classifier<Cpu>({}, impl_->net).load(checkpoint);
}
DigitClassifier::~DigitClassifier() = default;
DigitClassifier::DigitClassifier(DigitClassifier&&) noexcept = default;

DigitClassifier DigitClassifier::load_or_train(const std::filesystem::path& path, const std::string& data) {
    if (!std::filesystem::exists(path)) {
        std::cout << "no digit classifier at " << path.string()
                  << ": training one with mnist_classifier's defaults first (it scores the samples)\n";
        RunOptions opt;
        opt.name = "mnist_classifier";
        opt.data = data;
        opt.epochs = 20;
        opt.out = path.parent_path();
        opt.finish();
        train_classifier<Cpu>(opt, {});
        return DigitClassifier(opt.out / "classifier.safetensors");
    }
    return DigitClassifier(path);
}

void DigitClassifier::evaluate(std::span<const float> images, std::vector<double>& probabilities,
                               std::vector<float>& features) {
    classify<Cpu>(impl_->net, images, probabilities, features);
}

double accuracy(const std::vector<double>& probabilities, const DigitData& data) {
    index_t correct = 0;
    for (index_t i = 0; i < data.size(); ++i) {
        const auto row = probabilities.begin() + i * DigitClassifier::classes;
        correct += std::max_element(row, row + DigitClassifier::classes) - row == data.labels[i];
    }
    return static_cast<double>(correct) / static_cast<double>(data.size());
}

nlohmann::ordered_json digit_quality(DigitClassifier& classifier, std::span<const float> generated,
                                     const std::string& data, const std::filesystem::path& out,
                                     const std::string& title, std::span<const std::int32_t> conditioned) {
    const DigitData real = load_images<DigitShape>(data, data::Split::test);
    const DigitData train = load_images<DigitShape>(data, data::Split::train);
    const std::size_t reference = std::min(train.samples.size(), real.samples.size());
    std::vector<double> p_gen, p_real, p_train;
    std::vector<float> f_gen, f_real, f_train;
    classifier.evaluate(generated, p_gen, f_gen);
    classifier.evaluate(real.samples, p_real, f_real);
    classifier.evaluate(std::span<const float>(train.samples.data(), reference), p_train, f_train);
    const auto histogram = metrics::label_histogram(p_gen, DigitClassifier::classes);
    viz::Chart chart{.title = title + ": labels the classifier predicts for " +
                              std::to_string(generated.size() / DigitShape::size) + " samples",
                     .xlabel = "predicted label", .ylabel = "samples"};
    viz::Series bars{.style = viz::Style::bars, .color = "#1f77b4"};
    for (index_t c = 0; c < DigitClassifier::classes; ++c) {
        bars.x.push_back(static_cast<double>(c));
        bars.y.push_back(static_cast<double>(histogram[c]));
    }
    chart.series.push_back(bars);
    viz::plot(out / "label_histogram.png", chart);
    nlohmann::ordered_json j;
    j["inception_score"] = metrics::inception_score(p_gen, DigitClassifier::classes);
    j["frechet_distance"] = metrics::frechet_distance(f_gen, f_real, DigitClassifier::feature_size);
    j["label_histogram"] = histogram;
    j["eval_samples"] = generated.size() / DigitShape::size;
    j["inception_score_real_heldout"] = metrics::inception_score(p_real, DigitClassifier::classes);
    j["frechet_distance_real_train"] = metrics::frechet_distance(f_train, f_real, DigitClassifier::feature_size);
    j["real_heldout_images"] = real.size();
    j["real_train_images"] = reference / DigitShape::size;
    if (!conditioned.empty()) {
        // The share of samples whose most probable class is the label they were generated for.
        std::size_t hits = 0;
        const auto classes = static_cast<std::size_t>(DigitClassifier::classes);
        for (std::size_t i = 0; i < conditioned.size(); ++i) {
            const auto row = p_gen.begin() + static_cast<std::ptrdiff_t>(i * classes);
            hits += static_cast<std::size_t>(std::max_element(row, row + static_cast<std::ptrdiff_t>(classes)) - row) ==
                    static_cast<std::size_t>(conditioned[i]);
        }
        j["conditioned_label_accuracy"] = static_cast<double>(hits) / static_cast<double>(conditioned.size());
        std::cout << "The classifier assigns the conditioned label to "
                  << 100 * j["conditioned_label_accuracy"].get<double>() << "% of the generated digits\n";
    }
    std::cout << "Inception Score " << j["inception_score"].get<double>() << " (the " << real.size()
              << " real test digits: " << j["inception_score_real_heldout"].get<double>() << "); Frechet distance to the test digits "
              << j["frechet_distance"].get<double>() << " (" << reference / DigitShape::size << " real training digits: "
              << j["frechet_distance_real_train"].get<double>() << ")\n";
    return j;
}

}  // namespace examples
