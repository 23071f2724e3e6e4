// The seeds' digit classifier on any device: its evaluation (probabilities and penultimate
// features, in eval mode) and its training as mnist_classifier does it. DigitClassifier
// (digit_metrics.hpp) is this network on the Cpu, for the other trainers' metrics.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <span>
#include <stdexcept>
#include <vector>

#include <ctnn/ctnn.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/io/checkpoint.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/metrics/inception_score.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/trained.hpp>
#include <ctnn/viz/plot.hpp>

#include "digit_metrics.hpp"
#include "loop.hpp"

namespace examples {

template <class Dev>
using ClassifierNet = ctnn::Network<ctnn::models::MnistClassifier, Dev, float>;

/// The checkpoint entry a classifier's weights are saved under.
template <class Dev>
ctnn::io::Checkpoint bind_classifier(ctnn::io::Checkpoint c, ClassifierNet<Dev>& net) {
    c.network("classifier", net);
    return c;
}

/// p(y|x) (n x 10) and the penultimate features (n x 512: the output of the layer before the
/// last Linear, the second Dropout, so the second ReLU's in eval mode) of n images in [0, 1].
template <class Dev>
void classify(ClassifierNet<Dev>& net, std::span<const float> images, std::vector<double>& probabilities,
              std::vector<float>& features) {
    using namespace ctnn;
    using Net = ClassifierNet<Dev>;
    constexpr std::size_t feature_layer = Net::impl_type::layer_count - 2;
    constexpr index_t classes = DigitClassifier::classes, feature_size = DigitClassifier::feature_size;
    static_assert(Net::output_shape::size == classes);
    const auto scope = net.evaluating();
    const index_t n = images.size() / DigitShape::size, chunk = 500;
    probabilities.resize(n * classes);
    features.resize(n * feature_size);
    Tensor<DigitShape, Dev, float> batch;
    for (index_t first = 0; first < n; first += chunk) {
        const index_t count = std::min(chunk, n - first);
        batch.resize(count);
        batch.copy_from_host(std::vector<float>(images.begin() + first * DigitShape::size,
                                                images.begin() + (first + count) * DigitShape::size));
        const std::vector<float> logits = net.forward(batch.cview()).to_host();
        const std::vector<float> f = net.layers().template output<feature_layer>().to_host();
        std::copy(f.begin(), f.end(), features.begin() + first * feature_size);
        for (index_t i = 0; i < count; ++i) {
            const float* row = logits.data() + i * classes;
            const double top = *std::max_element(row, row + classes);
            double sum = 0;
            for (index_t c = 0; c < classes; ++c) sum += std::exp(row[c] - top);
            for (index_t c = 0; c < classes; ++c) probabilities[(first + i) * classes + c] = std::exp(row[c] - top) / sum;
        }
    }
}

/// The fraction of data's images whose most probable class is their label.
double accuracy(const std::vector<double>& probabilities, const DigitData& data);

/// Trains the classifier as mnist_classifier does (opt.epochs epochs on --data's train split,
/// a checkpoint per epoch, --resume) on Dev, and writes classifier.safetensors (the network
/// alone), losses.csv, losses.png and metrics.json (held-out accuracy, and the Inception Score
/// of the held-out images) into opt.out.
template <class Dev>
void train_classifier(const RunOptions& opt, const ClassifierOptions& copt) {
    using namespace ctnn;
    constexpr index_t classes = DigitClassifier::classes;
    const auto start = std::chrono::steady_clock::now();
    DigitData train = load_images<DigitShape>(opt.data, data::Split::train);
    const DigitData test = load_images<DigitShape>(opt.data, data::Split::test);
    if (!train.labelled() || !test.labelled())
        throw std::invalid_argument("mnist_classifier: --data " + opt.data + " has no labels to learn");
    Rng rng(opt.seed);
    TrainedNetwork<models::MnistClassifier, RMSprop<Dev, float>, Dev, float> net(rng, {.lr = copt.lr, .alpha = copt.alpha});
    auto loader = data_loader<data::DataLoader<DigitShape, Dev, float, float>>(
        opt, std::move(train),
        {.batch_size = copt.batch, .shuffle = true, .drop_last = false, .scaling = data::Scaling::unit, .seed = opt.seed});
    std::int64_t epoch = 0, step = 0;
    const auto checkpoint = [&] {  // on every rank: gathering the sharded optimizer state is a collective
        net.gather_optimizer_state();
        return bind_classifier<Dev>({}, net)
            .optimizer("optimizer", net.optimizer)
            .counter("step", step)
            .rng("rng", rng)
            .state(loader_key, loader, true);
    };
    if (opt.resume) resume(opt, checkpoint(), epoch, loader);
    LossLog log(opt.writes() ? opt.out / "losses.csv" : "", {"loss"}, opt.resume, step);
    Comm comm = opt.comm;
    net.distribute(comm);  // Dropout's masks by global sample index, as one process draws them
    Tensor<Shape<classes>, Dev, float> grad;
    std::vector<double> p;
    std::vector<float> f;
    const auto heldout_accuracy = [&] {
        classify<Dev>(net, test.samples, p, f);
        return accuracy(p, test);
    };
    run_epochs(
        opt, "MNIST classifier (RMSprop)", loader.batches_per_epoch(), epoch, [&] { return step; }, log,
        [&](std::int64_t) {
            auto b = loader.next();
            if (!b) b = loader.next();  // the previous epoch ended: begin the next
            // This rank's share of the global batch (all of it in one process); the loss and the
            // gradients are then averaged over the ranks, as Gan and Vae average theirs.
            const auto x = distributed::share_of(comm, b->x, "mnist_classifier");
            const auto& logits = net.forward(x);
            grad.resize(x.batch);
            double loss = cross_entropy(logits.cview(), distributed::share_of(comm, b->labels, "mnist_classifier"), grad.view());
            comm.mean(&loss, 1);
            check_finite_loss(loss, "classifier loss", step);
            net.backward(grad.cview(), {ParamGrads::overwrite});  // the step's gradients, no zero_grad pass
            net.update("classifier", step, comm);
            ++step;
            return std::vector<double>{loss};
        },
        [&](std::int64_t e) {
            if (opt.writes()) std::cout << "epoch " << e << ": held-out accuracy " << heldout_accuracy() << "\n";
        },
        checkpoint);
    if (!opt.writes()) return;  // rank 0 evaluates and writes the rest
    viz::plot(opt.out / "losses.png",
              viz::Chart{.title = "MNIST classifier: cross-entropy per step", .xlabel = "step", .ylabel = "loss",
                         .series = {{.label = "loss", .y = log.series(0)},
                                    {.label = "smoothed", .y = viz::ema(log.series(0), 0.95)}}});

    // The Inception Score's two ends, as the metric's sanity check: the held-out digits (near 10
    // for a good classifier on balanced classes) and one image repeated (1 by construction).
    const double acc = heldout_accuracy();
    const double is_real = metrics::inception_score(p, classes);
    std::vector<float> repeated;
    for (int k = 0; k < 100; ++k) repeated.insert(repeated.end(), test.samples.begin(), test.samples.begin() + DigitShape::size);
    classify<Dev>(net, repeated, p, f);
    nlohmann::ordered_json m;
    m["model"] = "mnist_classifier";
    m["data"] = opt.data;
    m["device"] = opt.device;
    m["precision"] = opt.precision;
    m["epochs"] = epoch;
    m["steps"] = step;
    m["final_loss"] = log.series(0).empty() ? 0.0 : log.series(0).back();
    m["heldout_accuracy"] = acc;
    m["heldout_images"] = test.size();
    m["inception_score_real_heldout"] = is_real;
    m["inception_score_constant_image"] = metrics::inception_score(p, classes);
    m["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logging::write_metrics_json(opt.out / "metrics.json", m);
    // The network alone, for the metrics of the other trainers (the checkpoint also holds RMSprop's
    // state and the Rng, for --resume).
    bind_classifier<Dev>({}, net).save(opt.out / "classifier.safetensors");
    std::cout << "held-out accuracy " << acc << ", Inception Score of the held-out digits " << is_real << "; wrote "
              << opt.out.string() << "/{classifier.safetensors, checkpoint.safetensors, losses.csv, losses.png, metrics.json}\n";
}

// The Cpu instantiations are compiled once, in digit_metrics.cpp (the metrics use them too).
extern template void classify<ctnn::Cpu>(ClassifierNet<ctnn::Cpu>&, std::span<const float>, std::vector<double>&,
                                         std::vector<float>&);
extern template void train_classifier<ctnn::Cpu>(const RunOptions&, const ClassifierOptions&);

}  // namespace examples
