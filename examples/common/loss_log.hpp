// The per-step losses of a run: losses.csv (step, epoch, one column per loss) and the same
// series in memory for the plots. A resumed run keeps the rows up to its checkpoint's step and
// drops later ones (written after the last checkpoint by the run that stopped, the last of them
// perhaps cut short), with a note.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <ctnn/logging/csv.hpp>

namespace examples {

class LossLog {
public:
    /// An empty `csv` keeps the series in memory only (the ranks of a run other than rank 0).
    LossLog(const std::filesystem::path& csv, std::vector<std::string> names, bool resume,
            std::int64_t resumed_step);

    void add(std::int64_t step, std::int64_t epoch, std::span<const double> losses);
    /// Puts every row added so far on disk (before a checkpoint).
    void sync() {
        if (csv_) csv_->sync();
    }

    const std::vector<double>& series(std::size_t k) const { return series_.at(k); }
    const std::vector<std::string>& names() const { return names_; }
    /// The last row's losses by name (for the progress bar and metrics.json).
    std::vector<std::pair<std::string, double>> last() const;

private:
    std::vector<std::string> names_;
    std::vector<std::vector<double>> series_;
    std::unique_ptr<ctnn::logging::CsvLogger> csv_;
};

}  // namespace examples
