#include "loss_log.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <ctnn/io/atomic_file.hpp>

namespace examples {

LossLog::LossLog(const std::filesystem::path& csv, std::vector<std::string> names, bool resume,
                 std::int64_t resumed_step)
    : names_(std::move(names)), series_(names_.size()) {
    std::vector<std::string> columns{"step", "epoch"};
    columns.insert(columns.end(), names_.begin(), names_.end());
    if (resume && std::filesystem::exists(csv)) {
        std::ifstream in(csv);
        std::string header, line, kept;
        std::getline(in, header);
        kept = header + "\n";
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string cell;
            std::vector<double> row;
            while (std::getline(fields, cell, ',')) row.push_back(std::stod(cell));
            if (row.size() != columns.size())
                throw std::runtime_error(csv.string() + ": a row of " + std::to_string(row.size()) + " values where " +
                                         std::to_string(columns.size()) + " columns were expected");
            if (row[0] > static_cast<double>(resumed_step)) break;
            for (std::size_t k = 0; k < names_.size(); ++k) series_[k].push_back(row[k + 2]);
            kept += line + "\n";
        }
        ctnn::io::write_atomically(csv, [&](std::FILE* f) { ctnn::io::write_bytes(f, kept.data(), kept.size(), csv.string()); });
    }
    csv_ = std::make_unique<ctnn::logging::CsvLogger>(csv, columns, ctnn::logging::CsvLogger::Options{.append = resume});
}

void LossLog::add(std::int64_t step, std::int64_t epoch, std::span<const double> losses) {
    std::vector<std::pair<std::string_view, ctnn::logging::Cell>> cells{{"step", step}, {"epoch", epoch}};
    for (std::size_t k = 0; k < names_.size(); ++k) {
        cells.emplace_back(names_[k], losses[k]);
        series_[k].push_back(losses[k]);
    }
    csv_->row(std::span<const std::pair<std::string_view, ctnn::logging::Cell>>(cells));
}

std::vector<std::pair<std::string, double>> LossLog::last() const {
    std::vector<std::pair<std::string, double>> out;
    for (std::size_t k = 0; k < names_.size(); ++k)
        if (!series_[k].empty()) out.emplace_back(names_[k], series_[k].back());
    return out;
}

}  // namespace examples
