#include "run.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <stdexcept>

namespace examples {

bool is_named_data(const std::string& data) { return data == "mnist" || data == "fashion"; }

std::filesystem::path default_out(const std::string& name, const std::string& data) {
    return std::filesystem::path("runs") / (data == "fashion" ? name + "-fashion" : name);
}

void RunOptions::add_flags(Cli& cli, bool generative) {
    cli.flag("data", data, "mnist (MNIST, 60,000 train / 10,000 test), fashion (Fashion-MNIST) or a PATH (IDX folder, .npy, CIFAR-style .bin)")
        .choice("device", device, {"cpu", "cuda"}, "where to train: cpu (Eigen, OpenMP) or cuda (an NVIDIA GPU, in CUDA builds)")
        .flag("seed", seed, "seeds weights, noise, shuffling and Dropout")
        .flag("out", out, "output folder (default runs/<program>, runs/<program>-fashion for --data fashion)")
        .flag("epochs", epochs, "epochs to train")
        .flag("steps", steps, "stop after this many steps in all (0: run every epoch)")
        .flag("resume", resume, "continue from <out>/checkpoint.safetensors")
        .flag("keep-denormals", keep_denormals, "cpu: compute with denormal floats instead of flushing them to 0 (slower)");
    if (generative)
        cli.flag("sample", sample, "load <out>/checkpoint.safetensors, write N samples to samples.npy and samples.png, exit")
            .flag("classifier", classifier, "digit classifier for the metrics (default runs/mnist_classifier[-fashion]/classifier.safetensors, trained there if absent; none: no metrics)")
            .flag("eval-samples", eval_samples, "samples the final metrics are computed on");
}

void RunOptions::finish() {
    if (out.empty()) out = default_out(name, data);
    if (classifier == "none")
        classifier.clear();
    else if (classifier.empty() && is_named_data(data))
        classifier = default_out("mnist_classifier", data) / "classifier.safetensors";
    if (epochs < 1 && steps <= 0) throw std::invalid_argument("--epochs must be at least 1 (or give --steps)");
    if (eval_samples < 2) throw std::invalid_argument("--eval-samples must be at least 2");
    std::filesystem::create_directories(out);
}

}  // namespace examples

namespace examples {

std::string epoch_file(const char* stem, std::int64_t epoch) {
    char name[64];
    std::snprintf(name, sizeof name, "%s_%02lld.png", stem, static_cast<long long>(epoch));
    return name;
}

std::vector<ctnn::index_t> top_indices(const std::vector<float>& scores, ctnn::index_t n) {
    std::vector<ctnn::index_t> order(scores.size());
    std::iota(order.begin(), order.end(), ctnn::index_t(0));
    n = std::min<ctnn::index_t>(n, order.size());
    std::partial_sort(order.begin(), order.begin() + n, order.end(),
                      [&](ctnn::index_t a, ctnn::index_t b) { return scores[a] > scores[b]; });
    order.resize(n);
    return order;
}

std::string unbuilt_device_reason(const std::string& device) {
    if (device == "cuda")
        return "CMake found no CUDA compiler when this build was configured, or CTNN_CUDA was OFF; configure again "
               "where nvcc is (CUDA 13 at /usr/local/cuda)";
    return "the devices are cpu and cuda";
}

int guarded_main(const std::string& program, const std::function<int()>& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace examples
