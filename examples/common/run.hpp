// What every example trainer shares: the common flags, the output folder, the data sets a flag
// names, and the device choice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ctnn/data/cifar.hpp>
#include <ctnn/data/dataset.hpp>
#include <ctnn/data/datasets.hpp>
#include <ctnn/data/idx.hpp>
#include <ctnn/data/npy.hpp>

#include "cli.hpp"

namespace examples {

struct RunOptions {
    std::string name;             ///< the program's name; its default output folder is runs/<name>
    std::string data = "mnist";   ///< mnist | fashion | PATH
    std::string device = "cpu";
    std::uint64_t seed = 1;
    std::filesystem::path out{};  ///< empty: runs/<name>, or runs/<name>-fashion for --data fashion
    int epochs = 1;               ///< the trainer sets its seed's default before add_common_flags
    std::int64_t steps = 0;       ///< > 0: stop after this many training steps in all
    bool resume = false;
    std::int64_t sample = 0;      ///< > 0: only generate this many samples from the checkpoint
    std::filesystem::path classifier{};  ///< empty: mnist_classifier's default for --data; "none": no metrics
    std::int64_t eval_samples = 10000;   ///< samples the final metrics are computed on
    bool keep_denormals = false;         ///< Cpu: compute with denormal floats (ctnn::FlushDenormals)

    /// Adds the flags every trainer takes. `generative` adds --sample, --classifier and
    /// --eval-samples.
    void add_flags(Cli& cli, bool generative = true);
    /// Fills in the defaults that depend on other flags, checks them and creates --out.
    void finish();

    std::filesystem::path checkpoint_path() const { return out / "checkpoint.safetensors"; }
};

/// "samples_epoch_07.png".
std::string epoch_file(const char* stem, std::int64_t epoch);

/// The n highest scores' indices, best first.
std::vector<ctnn::index_t> top_indices(const std::vector<float>& scores, ctnn::index_t n);

/// Why --device `device` is not in this build, and how to get it.
std::string unbuilt_device_reason(const std::string& device);

/// Runs a trainer's body, turning an exception into its message on stderr and exit code 1.
int guarded_main(const std::string& program, const std::function<int()>& body);

/// The folder a trainer writes into by default: runs/<name>, or runs/<name>-fashion for
/// Fashion-MNIST (so that its runs and classifier do not overwrite the digits').
std::filesystem::path default_out(const std::string& name, const std::string& data);

/// True for --data mnist and --data fashion (labelled 1x28x28 sets the digit classifier can
/// score); a PATH is a file or folder of the user's.
bool is_named_data(const std::string& data);

/// Images of shape S from --data, as floats in [0, 1]: "mnist" (MNIST, 60,000 / 10,000), "fashion"
/// (Debian's Fashion-MNIST), or a PATH: a folder with train-images-idx3-ubyte[.gz] and
/// train-labels-idx1-ubyte[.gz] (t10k-/test- for the test split), a .npy file of float32 in
/// [0, 1] or uint8, or a CIFAR-style binary file (1 label byte + S::size pixel bytes per record).
template <ctnn::AnyShape S>
ctnn::data::Dataset<S, float> load_images(const std::string& data, ctnn::data::Split split) {
    namespace fs = std::filesystem;
    using namespace ctnn::data;
    const auto to_unit = [](Dataset<S> bytes) {
        Dataset<S, float> out;
        out.samples.resize(bytes.samples.size());
        for (std::size_t i = 0; i < bytes.samples.size(); ++i) out.samples[i] = bytes.samples[i] / 255.0f;
        out.labels = std::move(bytes.labels);
        return out;
    };
    if (data == "mnist") return to_unit(mnist_digits<S>(split));
    if (data == "fashion") return to_unit(fashion_mnist<S>(split));
    const fs::path path = data;
    if (fs::is_directory(path)) {
        for (const std::string& prefix : split == Split::train ? std::vector<std::string>{"train"}
                                                              : std::vector<std::string>{"t10k", "test"})
            for (const std::string gz : {"", ".gz"}) {
                const fs::path images = path / (prefix + "-images-idx3-ubyte" + gz);
                const fs::path labels = path / (prefix + "-labels-idx1-ubyte" + gz);
                if (fs::is_regular_file(images))
                    return to_unit(fs::is_regular_file(labels) ? read_idx<S>(images, labels) : read_idx_images<S>(images));
            }
        throw DataError(path.string() + ": no " + (split == Split::train ? "train" : "t10k or test") +
                        "-images-idx3-ubyte[.gz] in this folder");
    }
    if (!fs::exists(path))
        throw DataError(path.string() + ": --data is neither mnist, fashion nor an existing file or folder");
    if (path.extension() == ".npy") {
        try {
            return read_npy<S, float>(path);
        } catch (const DataError& e) {
            if (std::string(e.what()).find("dtype") == std::string::npos) throw;
            return to_unit(read_npy<S, std::uint8_t>(path));
        }
    }
    Dataset<S> records;
    append_labelled_records<S>(path, records);
    return to_unit(std::move(records));
}

}  // namespace examples
