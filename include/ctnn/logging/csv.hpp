// Per-step losses and metrics as CSV (pandas.read_csv, gnuplot and spreadsheets read it). The
// columns are fixed when the file is opened and every row must name the same ones, so a renamed
// or forgotten value fails at the first row rather than shifting the columns of the file.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctnn/core/config.hpp"
#include "ctnn/io/atomic_file.hpp"

/// What a run reports as it goes: CSV logs of losses and metrics, and a tqdm-like progress bar.
namespace ctnn::logging {

namespace detail {
/// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
inline std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return out + "\"";
}
inline std::string csv_line(const std::vector<std::string>& fields) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
    return line + "\n";
}
}  // namespace detail

/// One CSV value: a number in the shortest text that reads back to the same value (a float as a
/// float: 0.6931472, not 0.6931471824645996), or a quoted-as-needed string.
struct Cell {
    std::string text;  ///< the value as it appears in the file
    /// @name Conversions
    ///@{

    /// A number, or a string (quoted as RFC 4180 needs), as one CSV value.
    template <class T>
        requires(std::integral<T> && !std::same_as<T, bool>) || std::floating_point<T>
    Cell(T v) {
        char buf[64];
        text.assign(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    }
    Cell(std::string_view s) : text(detail::csv_field(s)) {}
    Cell(const char* s) : Cell(std::string_view(s)) {}
    Cell(const std::string& s) : Cell(std::string_view(s)) {}
    ///@}
};

/// A CSV file of fixed columns, written row by row and flushed every few rows; I/O failures throw
/// io::IoError naming the file.
class CsvLogger {
public:
    /// How often it flushes, and whether it appends.
    struct Options {
        index_t flush_every = 50;  ///< rows between flushes: a crash loses at most these
        bool append = false;       ///< continue an existing file (a resumed run); its header must match
    };

    /// @name Opening
    ///@{

    /// Opens path and writes the header of `columns` (unless appending to a file whose header
    /// matches; another header throws std::invalid_argument, as does an empty column list).
    CsvLogger(const std::filesystem::path& path, std::vector<std::string> columns)
        : CsvLogger(path, std::move(columns), Options{}) {}
    CsvLogger(const std::filesystem::path& path, std::vector<std::string> columns, Options options)
        : path_(path), columns_(std::move(columns)), opt_(options) {
        if (columns_.empty()) throw std::invalid_argument("ctnn::log::CsvLogger: no columns");
        std::vector<std::string> quoted;
        for (const auto& c : columns_) quoted.push_back(detail::csv_field(c));
        const std::string header = detail::csv_line(quoted);
        header_ = header.substr(0, header.size() - 1);
        bool write_header = true;
        if (opt_.append && std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0) {
            std::ifstream in(path_);
            std::string first;
            std::getline(in, first);
            if (first != header_)
                throw std::invalid_argument(path_.string() + ": cannot append: its header is \"" + first +
                                            "\", not \"" + header_ + "\"");
            write_header = false;
        }
        file_ = std::fopen(path_.c_str(), opt_.append ? "a" : "w");
        if (!file_) throw io::IoError(path_.string() + ": cannot open for writing: " + io::detail::errno_text());
        if (write_header) put(header);
        flush();
    }
    ///@}
    CsvLogger(const CsvLogger&) = delete;
    CsvLogger& operator=(const CsvLogger&) = delete;
    ~CsvLogger() {
        // Destructors must not throw; call close() to hear about a failed final write.
        if (file_) std::fclose(file_);
    }

    /// One row: every column, by name, in the header's order, e.g.
    /// log.row({{"step", step}, {"d_loss", l.d_loss}, {"g_loss", l.g_loss}}).
    void row(std::initializer_list<std::pair<std::string_view, Cell>> cells) {
        row(std::span<const std::pair<std::string_view, Cell>>(cells.begin(), cells.size()));
    }
    /// The same for columns only known at run time.
    void row(std::span<const std::pair<std::string_view, Cell>> cells) {
        bool same = cells.size() == columns_.size();
        for (std::size_t i = 0; same && i < cells.size(); ++i) same = cells.begin()[i].first == columns_[i];
        if (!same) {
            std::string got;
            for (const auto& c : cells) got += (got.empty() ? "" : ",") + std::string(c.first);
            throw std::invalid_argument(path_.string() + ": a row with columns " + got + " in a file of columns " +
                                        header_);
        }
        std::vector<std::string> fields;
        for (const auto& c : cells) fields.push_back(c.second.text);
        put(detail::csv_line(fields));
        if (++rows_ % opt_.flush_every == 0) flush();
    }

    /// Hands the rows written so far to the operating system.
    void flush() {
        if (std::fflush(file_) != 0) throw io::IoError(path_.string() + ": cannot flush: " + io::detail::errno_text());
    }
    /// Flushes and has the rows put on disk (fsync): before a checkpoint that says they happened.
    void sync() { io::sync_file(file_, path_.string()); }
    /// Flushes and closes, throwing if that fails; the destructor does it quietly otherwise.
    void close() {
        flush();
        const int rc = std::fclose(file_);
        file_ = nullptr;
        if (rc != 0) throw io::IoError(path_.string() + ": cannot close: " + io::detail::errno_text());
    }

    const std::vector<std::string>& columns() const { return columns_; }  ///< the header's names
    index_t rows() const { return rows_; }  ///< rows written by this logger (not counting appended-to ones)

private:
    void put(const std::string& s) { io::write_bytes(file_, s.data(), s.size(), path_.string()); }

    std::filesystem::path path_;
    std::vector<std::string> columns_;
    std::string header_;  ///< the first line, without its line break
    Options opt_;
    std::FILE* file_ = nullptr;
    index_t rows_ = 0;
};

}  // namespace ctnn::logging
