#include "run.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <regex>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctnn/io/atomic_file.hpp>

namespace examples {

bool is_named_data(const std::string& data) { return data == "mnist" || data == "fashion"; }

std::filesystem::path default_out(const std::string& name, const std::string& data) {
    return std::filesystem::path("runs") / (data == "fashion" ? name + "-fashion" : name);
}

void RunOptions::add_flags(Cli& cli, bool generative) {
    cli.flag("data", data, "mnist (MNIST, 60,000 train / 10,000 test), fashion (Fashion-MNIST) or a PATH (IDX folder, .npy, CIFAR-style .bin)")
        .choice("device", device, {"cpu", "cuda"}, "where to train: cpu (Eigen, OpenMP) or cuda (an NVIDIA GPU, in CUDA builds)")
        .choice("precision", precision, {"fp32", "bf16"}, "cpu: fp32, or bf16 mixed precision (GEMM operands rounded to bf16, all else fp32; docs/precision.md)")
        .flag("seed", seed, "seeds weights, noise, shuffling and Dropout")
        .flag("out", out, "output folder (default runs/<program>, runs/<program>-fashion for --data fashion)")
        .flag("epochs", epochs, "epochs to train", at_least(1))
        .flag("steps", steps, "stop after this many steps in all (0: run every epoch)", at_least(0))
        .flag("resume", resume, "continue from <out>/checkpoint.safetensors, exactly where it stopped")
        .flag("change-settings", change_settings, "with --resume: accept settings (seed, loss, batch, lr...) that differ from the checkpoint's")
        .flag("keep", keep, "epoch checkpoints kept as checkpoint_epoch_NN.safetensors", at_least(0))
        .flag("keep-denormals", keep_denormals, "cpu: compute with denormal floats instead of flushing them to 0 (slower)");
    if (generative)
        cli.flag("sample", sample, "load <out>/checkpoint.safetensors, write N samples to samples.npy and samples.png, exit", at_least(0))
            .flag("classifier", classifier, "digit classifier for the metrics (default runs/mnist_classifier[-fashion]/classifier.safetensors, trained there if absent; none: no metrics)")
            .flag("eval-samples", eval_samples, "samples the final metrics are computed on", at_least(2));
}

const std::vector<std::string>& RunOptions::control_flags() {
    static const std::vector<std::string> flags{"device", "precision", "out", "epochs", "steps", "keep", "sample",
                                                "resume", "change-settings", "classifier", "eval-samples"};
    return flags;
}

void RunOptions::finish() {
    if (out.empty()) out = default_out(name, data);
    if (classifier == "none")
        classifier.clear();
    else if (classifier.empty() && is_named_data(data))
        classifier = default_out("mnist_classifier", data) / "classifier.safetensors";
    if (resume && sample > 0) throw std::invalid_argument("--resume and --sample " + std::to_string(sample) + ": choose one");
    if (!writes()) return;
    std::filesystem::create_directories(out);
    lock = std::make_shared<RunLock>(out);
}

bool RunOptions::batch_splits() const {
    const int ranks = comm.size();
    for (const auto& [flag, value] : settings)
        if (flag == "batch" && std::stoll(value) % ranks != 0) {
            if (writes())
                std::cerr << name << ": --batch " << value << " does not split evenly across the " << ranks
                          << " processes mpirun started (--batch is the global batch, of which each process trains "
                             "on an equal share): give a multiple of "
                          << ranks << "\n";
            return false;
        }
    return true;
}

void RunOptions::require_one_process(const std::string& why) const {
    if (comm.size() > 1)
        throw std::invalid_argument(name + " trains in one process only (" + why + "); run it without mpirun, or with -np 1");
}

RunLock::RunLock(const std::filesystem::path& dir) {
    const std::filesystem::path path = dir / ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw ctnn::io::IoError(path.string() + ": cannot open: " + ctnn::io::detail::errno_text());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const std::string why = errno == EWOULDBLOCK ? "" : ctnn::io::detail::errno_text();
        std::string holder;
        std::getline(std::ifstream(path), holder);
        ::close(fd_);
        if (!why.empty()) throw ctnn::io::IoError(path.string() + ": cannot lock: " + why);
        throw std::runtime_error("--out " + dir.string() + " is in use by another trainer (pid " +
                                 (holder.empty() ? std::string("unknown") : holder) +
                                 "); wait for it to end, or give another --out");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        std::cerr << "note: " << path.string() << ": cannot record this process's id: " << ctnn::io::detail::errno_text() << "\n";
    // Every trainer writing here holds this lock, so no temporary file here has a live writer.
    if (const int n = ctnn::io::remove_stale_temporaries(dir, ctnn::io::Writers::locked_out))
        std::cerr << "note: removed " << n << " temporary file(s) that killed runs left in " << dir.string() << "\n";
}

RunLock::~RunLock() { ::close(fd_); }  // closing the descriptor releases the flock

void load_checkpoint(const RunOptions& opt, ctnn::io::Checkpoint& c) {
    if (opt.resume)
        c.settings(std::map<std::string, std::string>(opt.settings.begin(), opt.settings.end()), opt.change_settings);
    try {
        c.load(opt.checkpoint_path());
    } catch (const ctnn::io::SettingsError& e) {
        throw ctnn::io::SettingsError(std::string(e.what()) +
                                      "\n(--resume continues a run with its own settings; --change-settings accepts these)");
    }
    for (const auto& note : c.notes()) std::cerr << "note: " << note << "\n";
}

namespace {
/// checkpoint_epoch_07.safetensors
std::string epoch_checkpoint_name(std::int64_t epoch) {
    char name[64];
    std::snprintf(name, sizeof name, "checkpoint_epoch_%02lld.safetensors", static_cast<long long>(epoch));
    return name;
}
}  // namespace

void save_checkpoint(const RunOptions& opt, ctnn::io::Checkpoint& c, std::int64_t epoch) {
    if (!opt.writes()) return;
    c.settings(std::map<std::string, std::string>(opt.settings.begin(), opt.settings.end()));
    c.save(opt.checkpoint_path());
    if (epoch <= 0 || opt.keep == 0) return;
    namespace fs = std::filesystem;
    const fs::path copy = opt.out / epoch_checkpoint_name(epoch);
    // A second name for the file just written (no second write); renamed into place, so that a
    // kill leaves either no copy or a whole one.
    const fs::path tmp = opt.out / ("." + copy.filename().string() + ctnn::io::detail::temporary_tag + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove(tmp, ec);
    fs::create_hard_link(opt.checkpoint_path(), tmp, ec);
    if (ec)
        c.save(copy);  // a file system without hard links
    else
        fs::rename(tmp, copy);
    static const std::regex pattern(R"(checkpoint_epoch_(\d+)\.safetensors)");
    for (const auto& entry : fs::directory_iterator(opt.out)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (!std::regex_match(name, m, pattern)) continue;
        const std::int64_t e = std::stoll(m[1].str());
        // Older than the last `keep`, or left by an earlier run this one started over.
        if (e <= epoch - opt.keep || e > epoch) fs::remove(entry.path());
    }
}

namespace {
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signal) { stop_signal = signal; }
struct sigaction previous[2];
constexpr int stop_signals[2] = {SIGINT, SIGTERM};
}  // namespace

StopSignals::StopSignals() {
    stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESETHAND;  // a second signal is not caught: it ends the program at once
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 2; ++i) sigaction(stop_signals[i], &action, &previous[i]);
}

StopSignals::~StopSignals() {
    for (int i = 0; i < 2; ++i) sigaction(stop_signals[i], &previous[i], nullptr);
}

int StopSignals::received() { return stop_signal; }

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
    } catch (const Interrupted& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 128 + e.signal;
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace examples
