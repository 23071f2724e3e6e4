// What every example trainer shares: the common flags, the output folder (one writer at a time,
// its checkpoints), the data sets a flag names, and the device choice.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ctnn/distributed/any.hpp>
#include <ctnn/io/checkpoint.hpp>

#include <ctnn/data/cifar.hpp>
#include <ctnn/data/dataset.hpp>
#include <ctnn/data/datasets.hpp>
#include <ctnn/data/idx.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/data/npy.hpp>

#include "cli.hpp"

namespace examples {

/// The communicator every trainer's Gan or Vae takes: one process, or a rank of several
/// (examples/common/world.hpp), decided at run time, so each trainer is compiled once.
using Comm = ctnn::distributed::AnyCommunicator;

/// The hold of one trainer on its output folder: an exclusive flock on <out>/.lock, which the
/// kernel releases when the process ends however it ends. Taking it refuses a folder another
/// trainer holds (naming its pid), and removes what writers killed in this folder left behind
/// (their temporary files).
class RunLock {
public:
    explicit RunLock(const std::filesystem::path& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

private:
    int fd_ = -1;
};

struct RunOptions {
    std::string name;             ///< the program's name; its default output folder is runs/<name>
    std::string data = "mnist";   ///< mnist | fashion | PATH
    std::string device = "cpu";
    std::string precision = "fp32";  ///< fp32 | bf16 (GEMM operands in bf16: ctnn::Bf16Mixed, docs/precision.md)
    std::uint64_t seed = 1;
    std::filesystem::path out{};  ///< empty: runs/<name>, or runs/<name>-fashion for --data fashion
    int epochs = 1;               ///< the trainer sets its seed's default before add_common_flags
    std::int64_t steps = 0;       ///< > 0: stop after this many training steps in all
    bool resume = false;
    std::int64_t sample = 0;      ///< > 0: only generate this many samples from the checkpoint
    std::filesystem::path classifier{};  ///< empty: mnist_classifier's default for --data; "none": no metrics
    std::int64_t eval_samples = 10000;   ///< samples the final metrics are computed on
    bool keep_denormals = false;         ///< Cpu: compute with denormal floats (ctnn::FlushDenormals)
    int keep = 2;                        ///< epoch checkpoints kept besides checkpoint.safetensors
    bool change_settings = false;        ///< --resume even where the settings differ from the checkpoint's
    double ema = 0;                      ///< image-GAN trainers' --ema: G's moving-average decay (0: none)
    bool ema_warmup = false;             ///< image-GAN trainers' --ema-warmup: that average's decay warms up
    /// The flags that define the run (seed, data, loss, batch, learning rates...) with their values,
    /// stored in its checkpoints and compared on --resume; example_main fills them in.
    std::vector<std::pair<std::string, std::string>> settings{};
    std::shared_ptr<RunLock> lock{};     ///< held from finish() on (by rank 0)
    /// The ranks of the run (examples/common/world.hpp): one process, or those mpirun started.
    Comm comm{};

    /// Adds the flags every trainer takes. `generative` adds --sample, --classifier and
    /// --eval-samples.
    void add_flags(Cli& cli, bool generative = true);
    /// Fills in the defaults that depend on other flags, checks them; rank 0 creates --out and
    /// takes it (RunLock).
    void finish();

    /// Rank 0, the one process of a run that writes its folder (checkpoints, pictures, losses.csv,
    /// metrics.json) and shows its progress; the other ranks write nothing.
    bool writes() const { return comm.rank() == 0; }
    /// Whether the run's --batch (the global batch) splits evenly across its ranks; if not, says so
    /// on stderr (rank 0), naming --batch, its value and the ranks.
    bool batch_splits() const;
    /// Refuses (std::invalid_argument) a run of several ranks, for a trainer that trains only in
    /// one process, saying `why`.
    void require_one_process(const std::string& why) const;

    /// The flags that steer a run without defining it (where it writes, how long it runs, what it
    /// reports): a --resume may change them.
    static const std::vector<std::string>& control_flags();

    std::filesystem::path checkpoint_path() const { return out / "checkpoint.safetensors"; }
};

/// Loads checkpoint_path() into c; on --resume it checks the run's settings against those stored
/// (refusing differences unless --change-settings), and says on stderr what it noticed.
void load_checkpoint(const RunOptions& opt, ctnn::io::Checkpoint& c);
inline void load_checkpoint(const RunOptions& opt, ctnn::io::Checkpoint&& c) { load_checkpoint(opt, c); }

/// Rank 0 saves c (with the run's settings) as checkpoint_path(). After a finished epoch (`epoch` > 0)
/// also as checkpoint_epoch_<epoch>.safetensors, keeping the last opt.keep of those; saves that are
/// not an epoch's end (--steps, Ctrl-C) never remove one.
void save_checkpoint(const RunOptions& opt, ctnn::io::Checkpoint& c, std::int64_t epoch);

/// SIGINT and SIGTERM, while one exists, ask the training loop to stop after its step (a second
/// one ends the program at once, as without it).
class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    /// The signal received, or 0.
    static int received();
};

/// Thrown once a stopped run has saved; guarded_main turns it into its message and exit code
/// 128 + the signal (130 for Ctrl-C).
struct Interrupted : std::runtime_error {
    Interrupted(const std::string& what, int signal) : std::runtime_error(what), signal(signal) {}
    int signal;
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
        Dataset<S, float> images = read_npy_images<S>(path);
        for (std::size_t i = 0; i < images.samples.size(); ++i)
            if (const float v = images.samples[i]; !(v >= 0.0f && v <= 1.0f))
                throw DataError(path.string() + ": sample " + std::to_string(i / S::size) + " holds " +
                                std::to_string(v) + " at value " + std::to_string(i % S::size) +
                                "; float32 images must be in [0, 1]");
        return images;
    }
    Dataset<S> records;
    append_labelled_records<S>(path, records);
    return to_unit(std::move(records));
}

/// Loader(data, options) for --data's images, its complaints (a batch larger than the data set...)
/// naming --data and --batch. With several ranks, an epoch's last, smaller batch (no drop_last)
/// must split across them as well.
template <class Loader, class Data>
Loader data_loader(const RunOptions& opt, Data data, const ctnn::data::LoaderOptions& options) {
    const auto refuse = [&](const std::string& why) {
        return std::invalid_argument("--data " + opt.data + " with --batch " + std::to_string(options.batch_size) + ": " +
                                     why);
    };
    const auto samples = static_cast<ctnn::index_t>(data.size());
    const ctnn::index_t last = options.drop_last || options.batch_size < 1 ? 0 : samples % options.batch_size;
    if (const int ranks = opt.comm.size(); last % ranks != 0)
        throw refuse("an epoch's last batch holds " + std::to_string(last) + " of the " + std::to_string(samples) +
                     " samples, which do not split evenly across " + std::to_string(ranks) + " processes");
    try {
        return Loader(std::move(data), options);
    } catch (const std::invalid_argument& e) {
        throw refuse(e.what());
    }
}

}  // namespace examples
