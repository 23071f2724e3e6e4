// A progress bar in tqdm's format:
//   Training GAN:  45%|████▌     | 4500/10000 [00:12<00:15, 365.21it/s, G_Loss=0.693, D_Loss=1.39]
// On a terminal it is redrawn in place (\r); into a file or a pipe (logs, CI) it prints whole
// lines now and then instead, since a log full of \r-separated redraws is unreadable.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <sys/ioctl.h>
#include <unistd.h>

#include "ctnn/core/config.hpp"

namespace ctnn::logging {

namespace detail {
/// tqdm's format_interval: whole seconds as "mm:ss", or "h:mm:ss" from an hour on.
inline std::string format_interval(double seconds) {
    const long s = static_cast<long>(std::max(seconds, 0.0));
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
    return buf;
}
/// tqdm's number format in postfixes: 3 significant digits.
inline std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}
}  // namespace detail

/// tqdm's meter for n of total steps after `elapsed` seconds. bar_width 0 leaves the bar out;
/// ascii draws it with '#' (for logs) rather than Unicode eighth blocks.
inline std::string format_meter(index_t n, index_t total, double elapsed, const std::string& desc,
                                const std::vector<std::pair<std::string, std::string>>& postfix,
                                index_t bar_width = 10, bool ascii = false) {
    const double frac = total ? std::min(1.0, static_cast<double>(n) / static_cast<double>(total)) : 0.0;
    const double rate = elapsed > 0 ? static_cast<double>(n) / elapsed : 0.0;
    char buf[64];
    std::string s = desc.empty() ? "" : desc + ": ";
    std::snprintf(buf, sizeof buf, "%3.0f%%", frac * 100);
    s += buf;
    if (bar_width > 0) {
        // As tqdm: the last, partly filled cell shows in eighths (tenths as digits in ascii) how
        // far it is filled.
        static const char* const eighths[] = {"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"};
        const index_t syms = ascii ? 10 : 8;
        const index_t filled = static_cast<index_t>(frac * static_cast<double>(bar_width * syms));
        std::string bar;
        for (index_t i = 0; i < filled / syms; ++i) bar += ascii ? "#" : "\u2588";
        index_t cells = filled / syms;
        if (filled % syms && cells < bar_width) {
            bar += ascii ? std::string(1, static_cast<char>('0' + filled % syms)) : eighths[filled % syms];
            ++cells;
        }
        bar.append(bar_width - cells, ' ');
        s += "|" + bar + "|";
    }
    s += " " + std::to_string(n) + "/" + std::to_string(total) + " [" + detail::format_interval(elapsed) + "<" +
         (rate > 0 && total >= n ? detail::format_interval(static_cast<double>(total - n) / rate) : "?") + ", ";
    if (rate >= 1) std::snprintf(buf, sizeof buf, "%5.2fit/s", rate);
    else if (rate > 0) std::snprintf(buf, sizeof buf, "%5.2fs/it", 1 / rate);
    else std::snprintf(buf, sizeof buf, "?it/s");
    s += buf;
    for (const auto& [k, v] : postfix) s += ", " + k + "=" + v;
    return s + "]";
}

/// A tqdm-like progress bar over `total` steps.
class Progress {
public:
    /// How it prints: redraw one line in place (a terminal), print a line now and then (a log
    /// file), or choose by whether the stream is a terminal.
    enum class Mode { automatic, redraw, lines };

    /// What it prints, where and how often.
    struct Options {
        std::string desc{};  ///< printed before the bar, as tqdm's desc
        std::ostream* out = &std::cerr;  ///< tqdm's default too: stdout stays for results
        /// automatic: redraw in place if `out` is std::cerr or std::cout on a terminal, else lines.
        Mode mode = Mode::automatic;
        index_t line_every_steps = 0;      ///< lines mode: a line every this many steps (0: never)
        double line_every_seconds = 10;    ///< lines mode: and at least this often (0: never)
        double redraw_every_seconds = 0.1; ///< redraw mode: at most this often, as tqdm's mininterval
    };

    /// @name Construction
    ///@{

    /// A bar at 0 of `total` steps; in redraw mode it prints at once.
    Progress(index_t total, Options options)
        : total_(total), opt_(std::move(options)), start_(clock::now()), last_print_(start_) {
        const int fd = opt_.out == &std::cerr ? STDERR_FILENO : opt_.out == &std::cout ? STDOUT_FILENO : -1;
        redraw_ = opt_.mode == Mode::redraw || (opt_.mode == Mode::automatic && fd >= 0 && ::isatty(fd));
        if (redraw_ && fd >= 0) {
            winsize ws{};
            if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) columns_ = ws.ws_col;
        }
        if (redraw_) print(false);
    }
    explicit Progress(index_t total, std::string desc = "") : Progress(total, Options{std::move(desc)}) {}
    ///@}
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress() { close(); }

    /// The values shown after the rate, e.g. {{"G_Loss", g}, {"D_Loss", d}}, replacing earlier ones.
    void set_postfix(const std::vector<std::pair<std::string, double>>& values) {
        postfix_.clear();
        for (const auto& [k, v] : values) postfix_.emplace_back(k, detail::format_number(v));
    }
    /// The same with values already formatted.
    void set_postfix_text(std::vector<std::pair<std::string, std::string>> values) { postfix_ = std::move(values); }

    /// Advances by `steps`; prints when it is time to.
    void update(index_t steps = 1) {
        n_ += steps;
        const double since = seconds(last_print_, clock::now());
        if (redraw_) {
            if (since >= opt_.redraw_every_seconds || n_ >= total_) print(false);
            return;
        }
        const bool by_steps = opt_.line_every_steps > 0 && n_ / opt_.line_every_steps != printed_n_ / opt_.line_every_steps;
        const bool by_time = opt_.line_every_seconds > 0 && since >= opt_.line_every_seconds;
        if (by_steps || by_time) print(true);
    }

    /// The final state, on its own line. Called by the destructor too; later calls do nothing.
    void close() {
        if (closed_) return;
        closed_ = true;
        if (redraw_) {
            print(false);
            *opt_.out << '\n' << std::flush;
        } else if (printed_n_ != n_ || n_ == 0) {
            print(true);
        }
    }

    index_t n() const { return n_; }  ///< steps done
    double elapsed() const { return seconds(start_, clock::now()); }  ///< seconds since construction

private:
    using clock = std::chrono::steady_clock;
    static double seconds(clock::time_point a, clock::time_point b) {
        return std::chrono::duration<double>(b - a).count();
    }

    void print(bool line) {
        last_print_ = clock::now();
        printed_n_ = n_;
        const double elapsed = seconds(start_, last_print_);
        if (line) {
            *opt_.out << format_meter(n_, total_, elapsed, opt_.desc, postfix_, 10, true) << '\n' << std::flush;
            return;
        }
        // The bar takes what the terminal's width leaves, as tqdm's dynamic_ncols.
        const std::string no_bar = format_meter(n_, total_, elapsed, opt_.desc, postfix_, 0);
        const index_t text = no_bar.size() + 2;
        const index_t bar = columns_ > text + 1 ? std::min<index_t>(columns_ - text - 1, 50) : 10;
        const std::string s = format_meter(n_, total_, elapsed, opt_.desc, postfix_, bar);
        // \x1b[K clears what a longer previous redraw left on the line.
        *opt_.out << '\r' << s << "\x1b[K" << std::flush;
    }

    index_t total_;
    Options opt_;
    clock::time_point start_, last_print_;
    index_t n_ = 0, printed_n_ = 0;
    index_t columns_ = 80;
    bool redraw_ = false, closed_ = false;
    std::vector<std::pair<std::string, std::string>> postfix_;
};

}  // namespace ctnn::logging
