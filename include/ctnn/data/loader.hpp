// DataLoader: batches of an in-memory data set on a device, shuffled per epoch with a seeded
// ctnn::Rng, scaled as torchvision's transforms scale images (torch.utils.data.DataLoader's role).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctnn/core/random.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/data/dataset.hpp"
#include "ctnn/device/cpu.hpp"

namespace ctnn::data {

/// How stored values become network inputs. Bytes are read as [0, 255], float samples as already
/// in [0, 1] (bytes the caller already divided by 255, a .npy of images).
enum class Scaling {
    none,       ///< the stored values as they are
    unit,       ///< [0, 1]: bytes / 255, transforms.ToTensor() (seeds 001, 003)
    symmetric,  ///< [-1, 1]: ToTensor() then Normalize((0.5,), (0.5,)) (seed 002, Tanh generators)
};

/// How a DataLoader batches, orders and scales its data set.
struct LoaderOptions {
    index_t batch_size = 64;  ///< samples per batch (the last may have fewer); must be positive
    bool shuffle = true;      ///< a fresh random order each epoch; false keeps the stored order
    bool drop_last = false;  ///< skip the last batch when it would be smaller than batch_size
    Scaling scaling = Scaling::unit;  ///< how stored values become network inputs
    std::uint64_t seed = 0;  ///< of the loader's own Rng, so its order depends on nothing else
};

/// A uniform integer in [0, n), n > 0, exactly uniform (rejection instead of a biased modulo).
inline std::uint64_t uniform_below(Rng& rng, std::uint64_t n) {
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t limit = max - max % n;
    std::uint64_t r = rng.bits();
    while (r >= limit) r = rng.bits();
    return r % n;
}

/// Batches of `data` in Tensor<S, Dev, T> buffers that are allocated once and reused. Each epoch
/// visits every sample exactly once (in a fresh Fisher-Yates order when shuffling), in batches of
/// batch_size and a smaller last one unless drop_last. Two loaders with the same data and options
/// give the same batches.
///
///     DataLoader loader(read_idx<Shape<1, 28, 28>>(images, labels), {.batch_size = 128});
///     for (int e = 0; e < epochs; ++e)
///         for (const auto& batch : loader.epoch()) net.forward(batch.x);
///
/// or `while (auto batch = loader.next()) ...`, which ends each epoch with std::nullopt.
template <AnyShape S, class Dev = Cpu, class T = float, class Stored = std::uint8_t>
class DataLoader {
public:
    /// One batch: views of the loader's own tensors, valid until its next batch.
    struct Batch {
        ConstView<S, Dev, T> x;  ///< the samples, scaled, on Dev
        ConstView<Shape<1>, Dev, std::int32_t> labels;  ///< empty when the data set has none
        index_t index = 0;                               ///< the batch's position in its epoch
    };

    /// Takes the data set; throws std::invalid_argument saying why when it is empty, its labels do
    /// not match its samples in number, or the options leave no batch.
    DataLoader(Dataset<S, Stored> data, LoaderOptions options)
        : data_(std::move(data)), options_(options), rng_(options.seed), epoch_rng_(options.seed) {
        const auto bad = [](const std::string& why) { throw std::invalid_argument("ctnn::data::DataLoader: " + why); };
        if (options_.batch_size == 0) bad("batch_size is 0");
        if (data_.samples.size() % S::size != 0)
            bad(std::to_string(data_.samples.size()) + " values are not a whole number of samples of shape " +
                S::str(false));
        if (data_.size() == 0) bad("the data set is empty");
        if (data_.labelled() && data_.labels.size() != data_.size())
            bad(std::to_string(data_.labels.size()) + " labels for " + std::to_string(data_.size()) + " samples");
        if (batches_per_epoch() == 0)
            bad("drop_last with " + std::to_string(data_.size()) + " samples and batch_size " +
                std::to_string(options_.batch_size) + " leaves no batch");
        // Bytes become [0, 1] first, in T, as ToTensor does (float32 v / 255 in torch).
        for (int v = 0; v < 256; ++v)
            byte_value_[v] = options_.scaling == Scaling::none ? static_cast<T>(v) : scale(static_cast<T>(v) / T(255));
        order_.resize(data_.size());
        const index_t full = std::min(options_.batch_size, data_.size());
        host_x_.reserve(full * S::size);
        x_.resize(full);
        if (data_.labelled()) {
            host_y_.reserve(full);
            y_.resize(full);
        }
    }

    /// The next batch of the current epoch, or std::nullopt once it is over; the call after that
    /// begins the next epoch. The batch's tensors stay valid until the next call.
    std::optional<Batch> next() {
        if (!in_epoch_) begin_epoch();
        if (batch_ == batches_per_epoch()) {
            in_epoch_ = false;
            return std::nullopt;
        }
        const index_t first = batch_ * options_.batch_size;
        const index_t count = std::min(options_.batch_size, data_.size() - first);
        host_x_.resize(count * S::size);
        for (index_t k = 0; k < count; ++k) {
            const auto src = data_.sample(order_[first + k]);
            T* dst = host_x_.data() + k * S::size;
            if constexpr (std::is_same_v<Stored, std::uint8_t>)
                for (index_t j = 0; j < S::size; ++j) dst[j] = byte_value_[src[j]];
            else
                for (index_t j = 0; j < S::size; ++j) dst[j] = scale(static_cast<T>(src[j]));
        }
        x_.resize(count);
        x_.copy_from_host(host_x_);
        Batch b{x_.cview(), {}, batch_++};
        if (data_.labelled()) {
            host_y_.resize(count);
            for (index_t k = 0; k < count; ++k) host_y_[k] = data_.labels[order_[first + k]];
            y_.resize(count);
            y_.copy_from_host(host_y_);
            b.labels = y_.cview();
        }
        return b;
    }

    /// A range over the batches of a new epoch (abandoning what is left of the current one).
    class Epoch {
    public:
        /// An input iterator over the epoch's batches (for range-for; ends at
        /// std::default_sentinel).
        struct iterator {
            /// @name Input iterator
            ///@{

            /// `*it` is the current batch, `++it` asks the loader for the next one, and the
            /// iterator
            /// equals the sentinel once the epoch is over.
            using value_type = Batch;
            using difference_type = std::ptrdiff_t;
            DataLoader* loader;
            std::optional<Batch> current;
            const Batch& operator*() const { return *current; }
            const Batch* operator->() const { return &*current; }
            iterator& operator++() {
                current = loader->next();
                return *this;
            }
            void operator++(int) { ++*this; }
            bool operator==(std::default_sentinel_t) const { return !current; }
            ///@}
        };
        /// An epoch of l (epoch() makes one).
        explicit Epoch(DataLoader& l) : loader_(&l) {}
        /// Begins a new epoch and points at its first batch.
        iterator begin() {
            loader_->in_epoch_ = false;
            return {loader_, loader_->next()};
        }
        std::default_sentinel_t end() const { return {}; }  ///< the end of the epoch

    private:
        DataLoader* loader_;
    };
    /// The batches of a new epoch, for range-for.
    Epoch epoch() { return Epoch(*this); }

    /// Batches in each epoch: size / batch_size, rounded up unless drop_last.
    index_t batches_per_epoch() const {
        const index_t n = data_.size(), b = options_.batch_size;
        return options_.drop_last ? n / b : (n + b - 1) / b;
    }
    /// Draws the shuffles of n epochs without producing their batches: a resumed run then sees
    /// the sample order an uninterrupted run would have seen.
    void skip_epochs(index_t n) {
        for (index_t e = 0; e < n; ++e) begin_epoch();
        in_epoch_ = false;
    }

    /// The loader's position as text, for checkpoints: epochs begun, the batch within the current
    /// epoch, and the random state its permutation was drawn from (so the permutation is drawn
    /// again, not stored). restore() continues from there: a run cut after any batch and
    /// restored sees the batches an uninterrupted one would have seen.
    std::string state() const {
        std::ostringstream s;
        s << "loader-1 " << data_.size() << ' ' << options_.batch_size << ' ' << epochs_ << ' ' << in_epoch_ << ' '
          << batch_ << ' ' << (in_epoch_ ? epoch_rng_ : rng_).state();
        return s.str();
    }
    /// Continues from a state() string; throws std::invalid_argument, saying why, when the text is
    /// malformed or was saved for another data set size or batch size.
    void restore(const std::string& text) {
        const Position p = parse_position(text);
        rng_ = p.rng;
        epochs_ = p.epochs;
        in_epoch_ = false;
        if (p.in_epoch) {
            --epochs_;
            begin_epoch();
            batch_ = p.batch;
        }
    }
    /// Throws std::invalid_argument, saying why, when restore(text) would.
    void check_state(const std::string& text) const { parse_position(text); }

    /// Epochs begun so far.
    index_t epochs() const { return epochs_; }
    const Dataset<S, Stored>& dataset() const { return data_; }  ///< the data set it batches
    const LoaderOptions& options() const { return options_; }    ///< the options it was built with

private:
    /// A value in [0, 1] scaled as options_.scaling asks.
    T scale(T v) const { return options_.scaling == Scaling::symmetric ? (v - T(0.5)) / T(0.5) : v; }

    struct Position {
        index_t epochs = 0, batch = 0;
        bool in_epoch = false;
        Rng rng;
    };
    Position parse_position(const std::string& text) const {
        std::istringstream s(text);
        std::string tag, rng_text;
        index_t samples = 0, batch_size = 0;
        Position p;
        s >> tag >> samples >> batch_size >> p.epochs >> p.in_epoch >> p.batch;
        std::getline(s >> std::ws, rng_text);
        if (!s || tag != "loader-1" || rng_text.empty())
            throw std::invalid_argument("ctnn::data::DataLoader: not a loader position: \"" + text + "\"");
        if (samples != data_.size() || batch_size != options_.batch_size)
            throw std::invalid_argument("the position is in " + std::to_string(samples) + " samples in batches of " +
                                        std::to_string(batch_size) + ", this loader has " + std::to_string(data_.size()) +
                                        " in batches of " + std::to_string(options_.batch_size) +
                                        " (another data set or batch size)");
        if (p.batch > batches_per_epoch() || (p.in_epoch && p.epochs == 0))
            throw std::invalid_argument("ctnn::data::DataLoader: impossible position: batch " + std::to_string(p.batch) +
                                        " of " + std::to_string(batches_per_epoch()) + " in epoch " +
                                        std::to_string(p.epochs));
        p.rng.restore(rng_text);
        return p;
    }

    void begin_epoch() {
        epoch_rng_ = rng_;
        std::iota(order_.begin(), order_.end(), index_t(0));
        if (options_.shuffle)
            for (index_t i = order_.size() - 1; i > 0; --i) std::swap(order_[i], order_[uniform_below(rng_, i + 1)]);
        batch_ = 0;
        ++epochs_;
        in_epoch_ = true;
    }

    Dataset<S, Stored> data_;
    LoaderOptions options_;
    Rng rng_;
    Rng epoch_rng_;  // rng_ as the current epoch began, before its permutation was drawn
    std::array<T, 256> byte_value_{};  // a stored byte's scaled value, for Stored = uint8
    std::vector<index_t> order_;
    index_t batch_ = 0, epochs_ = 0;
    bool in_epoch_ = false;
    std::vector<T> host_x_;
    std::vector<std::int32_t> host_y_;
    Tensor<S, Dev, T> x_;
    Tensor<Shape<1>, Dev, std::int32_t> y_;
};

/// Without template arguments, a DataLoader batches float tensors on the Cpu.
template <AnyShape S, class Stored>
DataLoader(Dataset<S, Stored>, LoaderOptions) -> DataLoader<S, Cpu, float, Stored>;

}  // namespace ctnn::data
