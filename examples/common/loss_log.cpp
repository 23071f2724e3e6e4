#include "loss_log.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include <ctnn/io/atomic_file.hpp>

namespace examples {

namespace {
/// The value of CSV cell `text`, or an error naming the file, row and column.
double cell_value(const std::filesystem::path& csv, std::size_t row, std::size_t column, const std::string& name,
                  const std::string& text) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
        throw std::runtime_error(csv.string() + ": row " + std::to_string(row) + ", column " + std::to_string(column) +
                                 " (" + name + "): \"" + text + "\" is not a number");
    return v;
}
}  // namespace

LossLog::LossLog(const std::filesystem::path& csv, std::vector<std::string> names, bool resume,
                 std::int64_t resumed_step)
    : names_(std::move(names)), series_(names_.size()) {
    if (csv.empty()) return;  // in memory only
    std::vector<std::string> columns{"step", "epoch"};
    columns.insert(columns.end(), names_.begin(), names_.end());
    if (resume && std::filesystem::exists(csv)) {
        std::ifstream in(csv, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::size_t at = text.find('\n');
        std::string kept = text.substr(0, at == std::string::npos ? text.size() : at + 1);
        double last_step = 0;
        // Row 1 is the header; rows are written whole, each ending in a line break.
        for (std::size_t row = 2; at != std::string::npos && at + 1 < text.size(); ++row) {
            const std::size_t begin = at + 1;
            at = text.find('\n', begin);
            const std::string line = text.substr(begin, at == std::string::npos ? std::string::npos : at - begin);
            std::vector<std::string> cells;
            std::istringstream fields(line);
            for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
            if (!line.empty() && line.back() == ',') cells.emplace_back();
            if (at == std::string::npos) {  // no line break: the row a killed run was writing
                std::cerr << "note: " << csv.string() << ": dropped its last row (" << row
                          << "), which the run that wrote it did not finish\n";
                break;
            }
            // Rows after the checkpoint's step are dropped unread: the resumed run writes them again.
            const std::string step_text = cells.empty() ? "" : cells[0];
            double step = 0;
            const auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
            if (ec == std::errc{} && end == step_text.data() + step_text.size() && step > static_cast<double>(resumed_step)) {
                std::cerr << "note: " << csv.string() << ": dropped rows " << row
                          << " on, written after the checkpoint's step " << resumed_step << " (this run writes them again)\n";
                break;
            }
            if (cells.size() != columns.size())
                throw std::runtime_error(csv.string() + ": row " + std::to_string(row) + " has " +
                                         std::to_string(cells.size()) + " values where " +
                                         std::to_string(columns.size()) + " columns were expected");
            std::vector<double> values(cells.size());
            for (std::size_t k = 0; k < cells.size(); ++k) values[k] = cell_value(csv, row, k + 1, columns[k], cells[k]);
            for (std::size_t k = 0; k < names_.size(); ++k) series_[k].push_back(values[k + 2]);
            last_step = values[0];
            kept += line + "\n";
        }
        if (last_step < static_cast<double>(resumed_step))
            std::cerr << "note: " << csv.string() << " ends at step " << last_step << " but the checkpoint is at step "
                      << resumed_step << ": the steps between are missing from the log\n";
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
    if (csv_) csv_->row(std::span<const std::pair<std::string_view, ctnn::logging::Cell>>(cells));
}

std::vector<std::pair<std::string, double>> LossLog::last() const {
    std::vector<std::pair<std::string, double>> out;
    for (std::size_t k = 0; k < names_.size(); ++k)
        if (!series_[k].empty()) out.emplace_back(names_[k], series_[k].back());
    return out;
}

}  // namespace examples
