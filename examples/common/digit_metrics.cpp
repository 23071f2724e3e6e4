#include "digit_metrics.hpp"

#include <chrono>
#include <cmath>
#include <iostream>

#include <ctnn/ctnn.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/io/checkpoint.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/metrics/frechet_distance.hpp>
#include <ctnn/metrics/inception_score.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/viz/plot.hpp>

#include "loop.hpp"

namespace examples {

using namespace ctnn;
using ClassifierNet = Network<models::MnistClassifier, Cpu, float>;

namespace {
// The penultimate features: the output of the layer before the last Linear (the second Dropout,
// the identity in eval mode, so the second ReLU's output).
constexpr std::size_t feature_layer = ClassifierNet::impl_type::layer_count - 2;
static_assert(ClassifierNet::output_shape::size == DigitClassifier::classes);

io::Checkpoint bind_network(io::Checkpoint c, ClassifierNet& net) {
    c.network("classifier", net);
    return c;
}
}  // namespace

struct DigitClassifier::Impl {
    explicit Impl(std::uint64_t seed) : rng(seed), net(rng) {}
    Rng rng;
    ClassifierNet net;
    Tensor<DigitShape, Cpu, float> batch;
    std::vector<float> host;
};

DigitClassifier::DigitClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DigitClassifier::DigitClassifier(const std::filesystem::path& checkpoint) : impl_(std::make_unique<Impl>(1)) {
    bind_network({}, impl_->net).load(checkpoint);
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
        train_classifier(opt, {});
        return DigitClassifier(opt.out / "classifier.safetensors");
    }
    return DigitClassifier(path);
}

void DigitClassifier::evaluate(std::span<const float> images, std::vector<double>& probabilities,
                               std::vector<float>& features) {
    impl_->net.eval();
    const index_t n = images.size() / DigitShape::size, chunk = 500;
    probabilities.resize(n * classes);
    features.resize(n * feature_size);
    for (index_t first = 0; first < n; first += chunk) {
        const index_t count = std::min(chunk, n - first);
        impl_->host.assign(images.begin() + first * DigitShape::size, images.begin() + (first + count) * DigitShape::size);
        impl_->batch.resize(count);
        impl_->batch.copy_from_host(impl_->host);
        const std::vector<float> logits = impl_->net.forward(impl_->batch.cview()).to_host();
        const std::vector<float> f = impl_->net.layers().output<feature_layer>().to_host();
        std::copy(f.begin(), f.end(), features.begin() + first * feature_size);
        for (index_t i = 0; i < count; ++i) {
            const float* row = logits.data() + i * classes;
            const double top = *std::max_element(row, row + classes);
            double sum = 0;
            for (index_t c = 0; c < classes; ++c) sum += std::exp(row[c] - top);
            for (index_t c = 0; c < classes; ++c)
                probabilities[(first + i) * classes + c] = std::exp(row[c] - top) / sum;
        }
    }
}

double DigitClassifier::accuracy(const DigitData& data) {
    std::vector<double> p;
    std::vector<float> f;
    evaluate(data.samples, p, f);
    index_t correct = 0;
    for (index_t i = 0; i < data.size(); ++i) {
        const auto row = p.begin() + i * classes;
        correct += std::max_element(row, row + classes) - row == data.labels[i];
    }
    return static_cast<double>(correct) / static_cast<double>(data.size());
}

nlohmann::ordered_json digit_quality(DigitClassifier& classifier, std::span<const float> generated,
                                     const DigitData& real, const std::filesystem::path& out,
                                     const std::string& title) {
    std::vector<double> p_gen, p_real;
    std::vector<float> f_gen, f_real;
    classifier.evaluate(generated, p_gen, f_gen);
    classifier.evaluate(real.samples, p_real, f_real);
    const auto histogram = metrics::label_histogram(p_gen, DigitClassifier::classes);
    viz::Chart chart{.title = title + ": labels the classifier predicts for " +
                              std::to_string(generated.size() / DigitShape::size) + " samples",
                     .xlabel = "predicted label", .ylabel = "samples"};
    viz::Series bars{.label = "", .style = viz::Style::linespoints};
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
    j["real_heldout_images"] = real.size();
    return j;
}

void train_classifier(const RunOptions& opt, const ClassifierOptions& copt) {
    const auto start = std::chrono::steady_clock::now();
    DigitData train = load_images<DigitShape>(opt.data, data::Split::train);
    const DigitData test = load_images<DigitShape>(opt.data, data::Split::test);
    if (!train.labelled() || !test.labelled())
        throw std::invalid_argument("mnist_classifier: --data " + opt.data + " has no labels to learn");
    DigitClassifier classifier(std::make_unique<DigitClassifier::Impl>(opt.seed));
    ClassifierNet& net = classifier.impl_->net;
    Rng& rng = classifier.impl_->rng;
    RMSprop<Cpu, float> optimizer(net, {.lr = copt.lr, .alpha = copt.alpha});
    data::DataLoader<DigitShape, Cpu, float, float> loader(
        std::move(train), {.batch_size = copt.batch, .shuffle = true, .drop_last = false,
                           .scaling = data::Scaling::unit, .seed = opt.seed});
    std::int64_t epoch = 0, step = 0;
    const auto checkpoint = [&] {
        return bind_network({}, net).optimizer("optimizer", optimizer).counter("step", step).rng("rng", rng);
    };
    if (opt.resume) {
        checkpoint().counter("epoch", epoch).load(opt.checkpoint_path());
        loader.skip_epochs(epoch);
    }
    LossLog log(opt.out / "losses.csv", {"loss"}, opt.resume, step);
    Tensor<Shape<DigitClassifier::classes>, Cpu, float> grad;
    std::vector<double> accuracies;
    run_epochs(
        opt, "MNIST classifier (RMSprop)", loader.batches_per_epoch(), epoch, [&] { return step; }, log,
        [&](std::int64_t) {
            auto b = loader.next();
            if (!b) b = loader.next();  // the previous epoch ended: begin the next
            net.train();
            const auto& logits = net.forward(b->x);
            grad.resize(b->x.batch);
            optimizer.zero_grad();
            const double loss = cross_entropy(logits.cview(), b->labels, grad.view());
            net.backward(grad.cview());
            optimizer.step();
            ++step;
            return std::vector<double>{loss};
        },
        [&](std::int64_t e) {
            accuracies.push_back(classifier.accuracy(test));
            std::cout << "epoch " << e << ": held-out accuracy " << accuracies.back() << "\n";
        },
        checkpoint);
    viz::plot(opt.out / "losses.png",
              viz::Chart{.title = "MNIST classifier: cross-entropy per step", .xlabel = "step", .ylabel = "loss",
                         .series = {{.label = "loss", .y = log.series(0)},
                                    {.label = "smoothed", .y = viz::ema(log.series(0), 0.95)}}});

    // The Inception Score's two ends, as the metric's sanity check: the held-out digits (near 10
    // for a good classifier on balanced classes) and one image repeated (1 by construction).
    std::vector<double> p;
    std::vector<float> f;
    classifier.evaluate(test.samples, p, f);
    const double is_real = metrics::inception_score(p, DigitClassifier::classes);
    const std::vector<float> constant(test.samples.begin(), test.samples.begin() + 100 * DigitShape::size);
    std::vector<float> repeated;
    for (int k = 0; k < 100; ++k) repeated.insert(repeated.end(), constant.begin(), constant.begin() + DigitShape::size);
    classifier.evaluate(repeated, p, f);
    nlohmann::ordered_json m;
    m["model"] = "mnist_classifier";
    m["data"] = opt.data;
    m["epochs"] = epoch;
    m["steps"] = step;
    m["final_loss"] = log.series(0).empty() ? 0.0 : log.series(0).back();
    m["heldout_accuracy"] = classifier.accuracy(test);
    m["heldout_images"] = test.size();
    m["inception_score_real_heldout"] = is_real;
    m["inception_score_constant_image"] = metrics::inception_score(p, DigitClassifier::classes);
    m["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logging::write_metrics_json(opt.out / "metrics.json", m);
    // The network alone, for the metrics of the other trainers (the checkpoint also holds RMSprop's
    // state and the Rng, for --resume).
    bind_network({}, net).save(opt.out / "classifier.safetensors");
    std::cout << "held-out accuracy " << m["heldout_accuracy"] << ", Inception Score of the held-out digits "
              << is_real << "; wrote " << opt.out.string() << "/{classifier.safetensors, checkpoint.safetensors, losses.csv, losses.png, metrics.json}\n";
}

}  // namespace examples
