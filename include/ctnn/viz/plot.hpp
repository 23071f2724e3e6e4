// Plots as PNG files, drawn by gnuplot (Debian's gnuplot-nox, pngcairo terminal): loss curves of
// G and D, real-vs-generated scatter plots side by side, and generic line, point and bar charts. gnuplot runs as a
// child process on a script holding the data, writes the PNG to its stdout, and the bytes are then
// written atomically; docs/pictures.md says why gnuplot.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ranges>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "ctnn/core/config.hpp"
#include "ctnn/viz/image_grid.hpp"

/// Pictures: image grids as PNG (torchvision's make_grid and save_image) and charts drawn by
/// gnuplot.
namespace ctnn::viz {

/// gnuplot is missing or failed; the message says which package installs it, or what gnuplot said.
struct PlotError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// How a Series is drawn.
enum class Style {
    lines,        ///< a line through the points
    points,       ///< a dot per point
    linespoints,  ///< both
    bars,  ///< a filled bar per value (a histogram: the label counts of generated samples)
};

/// One curve or point cloud. An empty x means 0, 1, 2, ... (steps).
struct Series {
    std::string label{};  ///< empty: no legend entry (a panel without any has no legend)
    /// @name Points
    ///@{

    /// The points: y, and x of the same length or empty (0, 1, 2, ...).
    std::vector<double> x{}, y{};
    ///@}
    Style style = Style::lines;  ///< how the points are drawn
    std::string color{};  ///< "#RRGGBB", or "#AARRGGBB" with AA = transparency; empty: gnuplot's cycle
    double size = 1.5;  ///< line width, or point size for points
};

/// One panel.
struct Chart {
    /// @name Labels
    ///@{

    /// The panel's title and axis labels; empty ones are left out.
    std::string title{}, xlabel{}, ylabel{};
    ///@}
    std::vector<Series> series{};  ///< drawn in this order, later ones on top
    bool equal_axes = false;  ///< one unit is as long on both axes, as plt.axis("equal")
    bool log_y = false;  ///< a logarithmic y axis
};

/// Panels side by side, in one PNG of width x height pixels.
struct Figure {
    std::vector<Chart> panels{};  ///< from left to right
    /// @name Size
    ///@{

    /// The whole PNG's width and height in pixels.
    int width = 1000, height = 600;
    ///@}
};

namespace detail {
/// A gnuplot single-quoted string: only ' needs escaping, as ''.
inline std::string gp_quote(const std::string& s) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
    return out + "'";
}
/// A POSIX shell single-quoted word.
inline std::string sh_quote(const std::string& s) {
    std::string out = "'";
    for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}

inline std::filesystem::path find_gnuplot() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "gnuplot";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    throw PlotError("ctnn::viz: gnuplot not found on PATH; install Debian's gnuplot-nox "
                    "(apt-get install gnuplot-nox)");
}

/// A directory removed with everything in it when this goes out of scope.
struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ctnn-plot-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw PlotError("ctnn::viz: cannot create " + tmpl + ": " + io::detail::errno_text());
        path = tmpl;
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

inline std::string script(const Figure& fig) {
    std::ostringstream s;
    s.precision(9);
    // Data first, as datablocks: one script file carries everything.
    for (std::size_t p = 0; p < fig.panels.size(); ++p)
        for (std::size_t k = 0; k < fig.panels[p].series.size(); ++k) {
            const Series& ser = fig.panels[p].series[k];
            s << "$D" << p << "_" << k << " << EOD\n";
            for (std::size_t i = 0; i < ser.y.size(); ++i) {
                const double x = ser.x.empty() ? static_cast<double>(i) : ser.x[i];
                if (std::isfinite(x) && std::isfinite(ser.y[i])) s << x << ' ' << ser.y[i] << '\n';
                else s << "NaN NaN\n";  // a gap in the line
            }
            s << "EOD\n";
        }
    // noenhanced: labels such as "G_loss" are shown as written, not as subscripts.
    s << "set terminal pngcairo size " << fig.width << ',' << fig.height
      << " noenhanced font 'sans,10'\nset multiplot layout 1," << fig.panels.size() << "\n";
    for (std::size_t p = 0; p < fig.panels.size(); ++p) {
        const Chart& c = fig.panels[p];
        const auto has = [&](auto pred) { return std::ranges::any_of(c.series, pred); };
        const bool labelled = has([](const Series& ser) { return !ser.label.empty(); });
        const bool bars = has([](const Series& ser) { return ser.style == Style::bars; });
        const bool few_bars = bars && std::ranges::all_of(c.series, [](const Series& ser) { return ser.y.size() <= 30; });
        s << "set title " << gp_quote(c.title) << "\nset xlabel " << gp_quote(c.xlabel)
          << "\nset ylabel " << gp_quote(c.ylabel) << "\nset grid\n"
          << (labelled ? "set key top right box opaque\n" : "unset key\n")
          << (c.equal_axes ? "set size ratio -1\n" : "set size noratio\n")
          << (c.log_y ? "set logscale y\n" : "unset logscale y\n")
          // Bars stand on 0, 80% as wide as the spacing of their x values; a few get a tic each.
          << (bars ? "set boxwidth 0.8 relative\nset yrange [0:*]\n" : "set autoscale y\n")
          << (few_bars ? "set xtics 1\n" : "set xtics autofreq\n") << "plot ";
        const char* sep = "";
        for (std::size_t k = 0; k < c.series.size(); ++k) {
            const Series& ser = c.series[k];
            s << sep << "$D" << p << "_" << k << " using 1:2 with ";
            if (ser.style == Style::lines) s << "lines lw " << ser.size;
            else if (ser.style == Style::points) s << "points pt 7 ps " << ser.size;
            else if (ser.style == Style::bars) s << "boxes fill solid 0.7 border";
            else s << "linespoints pt 7 ps 0.8 lw " << ser.size;
            if (!ser.color.empty()) s << " lc rgb " << gp_quote(ser.color);
            s << (ser.label.empty() ? std::string(" notitle") : " title " + gp_quote(ser.label));
            sep = ", \\\n     ";
        }
        s << "\n";
    }
    s << "unset multiplot\n";
    return s.str();
}

inline void validate(const Figure& fig) {
    if (fig.panels.empty()) throw std::invalid_argument("ctnn::viz::plot: a figure needs a panel");
    for (const Chart& c : fig.panels) {
        bool any = false;
        for (const Series& ser : c.series) {
            if (!ser.x.empty() && ser.x.size() != ser.y.size())
                throw std::invalid_argument("ctnn::viz::plot: series '" + ser.label + "' has " +
                                            std::to_string(ser.x.size()) + " x values and " +
                                            std::to_string(ser.y.size()) + " y values");
            for (double y : ser.y) any = any || std::isfinite(y);
        }
        // gnuplot refuses to draw a panel without a single point.
        if (!any) throw std::invalid_argument("ctnn::viz::plot: panel '" + c.title + "' has no finite values");
    }
}
}  // namespace detail

/// Draws `fig` into the PNG file `path` (written atomically).
inline void plot(const std::filesystem::path& path, const Figure& fig) {
    detail::validate(fig);
    const auto gnuplot = detail::find_gnuplot();
    const detail::ScratchDir scratch;
    const auto script = scratch.path / "plot.gp", errors = scratch.path / "stderr.txt";
    {
        std::ofstream out(script);
        out << detail::script(fig);
        if (!out.flush()) throw PlotError("ctnn::viz: cannot write " + script.string());
    }
    const std::string cmd = detail::sh_quote(gnuplot) + " " + detail::sh_quote(script) + " 2>" +
                            detail::sh_quote(errors);
    std::FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) throw PlotError("ctnn::viz: cannot run gnuplot: " + io::detail::errno_text());
    std::vector<std::uint8_t> png;
    std::uint8_t buf[1 << 16];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) png.insert(png.end(), buf, buf + n);
    const int status = ::pclose(pipe);
    static constexpr std::uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (status != 0 || png.size() < sizeof signature || !std::equal(std::begin(signature), std::end(signature), png.begin())) {
        std::ifstream err(errors);
        const std::string said((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
        const bool no_terminal = said.find("terminal") != std::string::npos;
        throw PlotError(path.string() + ": gnuplot failed (exit status " +
                        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")" +
                        (no_terminal ? " (Debian's gnuplot-nox has the pngcairo terminal)" : "") + ": " + said);
    }
    write_png_file(path, png);
}

/// One panel.
inline void plot(const std::filesystem::path& path, const Chart& chart, int width = 1000, int height = 600) {
    plot(path, Figure{{chart}, width, height});
}

/// Exponential moving average with TensorBoard's debiasing (smoothing in [0, 1); 0: unchanged),
/// so the start is not pulled towards 0. Non-finite values are skipped (and kept as they are).
inline std::vector<double> ema(std::span<const double> values, double smoothing) {
    if (!(smoothing >= 0 && smoothing < 1)) throw std::invalid_argument("ctnn::viz::ema: smoothing must be in [0, 1)");
    std::vector<double> out(values.size());
    double last = 0, weight = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            out[i] = values[i];
            continue;
        }
        last = last * smoothing + (1 - smoothing) * values[i];
        weight = weight * smoothing + (1 - smoothing);
        out[i] = last / weight;
    }
    return out;
}

/// The mean of each run of steps_per_epoch values (the last one may be shorter).
inline std::vector<double> epoch_means(std::span<const double> values, index_t steps_per_epoch) {
    if (steps_per_epoch == 0) throw std::invalid_argument("ctnn::viz::epoch_means: steps_per_epoch must be positive");
    std::vector<double> out;
    for (std::size_t first = 0; first < values.size(); first += steps_per_epoch) {
        const std::size_t n = std::min<std::size_t>(steps_per_epoch, values.size() - first);
        double sum = 0;
        for (std::size_t i = first; i < first + n; ++i) sum += values[i];
        out.push_back(sum / static_cast<double>(n));
    }
    return out;
}

/// What plot_gan_losses draws, and how large.
struct LossPlotOptions {
    std::string title = "GAN training loss";  ///< of the per-step panel
    double smoothing = 0.95;    ///< of the smoothed curves (ema); 0 leaves them out
    index_t steps_per_epoch = 0;  ///< > 0 adds a panel of per-epoch means
    /// @name Size
    ///@{

    /// Each panel's width and height in pixels.
    int width = 1000, height = 600;
    ///@}
};

/// Generator and discriminator losses per step (raw, faint, and smoothed) and, with
/// steps_per_epoch, their per-epoch means in a second panel.
inline void plot_gan_losses(const std::filesystem::path& path, std::span<const double> g_losses,
                            std::span<const double> d_losses, const LossPlotOptions& opt = {}) {
    struct Curve {
        const char* name;
        std::span<const double> values;
        const char *color, *faint;
    };
    // matplotlib's first two colours, as in the seeds' plots; faint: 70% transparent.
    const Curve curves[] = {{"Generator", g_losses, "#1f77b4", "#b21f77b4"},
                            {"Discriminator", d_losses, "#ff7f0e", "#b2ff7f0e"}};
    Figure fig{{Chart{opt.title, "Steps", "Loss", {}, false, false}}, opt.width, opt.height};
    for (const Curve& c : curves) {
        const std::vector<double> raw(c.values.begin(), c.values.end());
        if (opt.smoothing > 0) {
            fig.panels[0].series.push_back({c.name, {}, raw, Style::lines, c.faint, 1.0});
            fig.panels[0].series.push_back({std::string(c.name) + " (smoothed)", {}, ema(c.values, opt.smoothing),
                                            Style::lines, c.color, 2.0});
        } else {
            fig.panels[0].series.push_back({c.name, {}, raw, Style::lines, c.color, 1.5});
        }
    }
    if (opt.steps_per_epoch > 0) {
        Chart epochs{"Mean loss per epoch", "Epoch", "Loss", {}, false, false};
        for (const Curve& c : curves) {
            std::vector<double> means = epoch_means(c.values, opt.steps_per_epoch), x;
            for (std::size_t e = 1; e <= means.size(); ++e) x.push_back(static_cast<double>(e));
            epochs.series.push_back({c.name, std::move(x), std::move(means), Style::linespoints, c.color, 1.5});
        }
        fig.panels.push_back(std::move(epochs));
        fig.width *= 2;
    }
    plot(path, fig);
}

/// A contiguous range of numbers: std::vector<float>, std::vector<double>, std::span, ...
template <class R>
concept NumberRange = std::ranges::contiguous_range<R> && std::is_arithmetic_v<std::ranges::range_value_t<R>>;

/// The titles and sizes plot_real_vs_generated uses.
struct ScatterPairOptions {
    /// @name Titles
    ///@{

    /// The left (real) and right (generated) panels' titles.
    std::string real_title = "Real data", fake_title = "Generated data";
    ///@}
    /// @name Size
    ///@{

    /// The whole PNG's width and height in pixels.
    int width = 1200, height = 500;
    ///@}
    double point_size = 0.5;  ///< gnuplot point size
};

/// The 2-D real samples and the generator's samples side by side, each with equal axes, as the
/// Swiss-roll notebook's plots. Both are interleaved (x0, y0, x1, y1, ...), e.g. a
/// Tensor<Shape<2>>'s to_host().
template <NumberRange Real, NumberRange Fake>
void plot_real_vs_generated(const std::filesystem::path& path, const Real& real, const Fake& fake,
                            const ScatterPairOptions& opt = {}) {
    const auto series = [&](const auto& xy, const char* label, const char* color) {
        if (std::ranges::size(xy) % 2 != 0)
            throw std::invalid_argument("ctnn::viz::plot_real_vs_generated: an odd number of coordinates");
        Series s{label, {}, {}, Style::points, color, opt.point_size};
        for (std::size_t i = 0; i + 1 < std::ranges::size(xy); i += 2) {
            s.x.push_back(static_cast<double>(std::ranges::data(xy)[i]));
            s.y.push_back(static_cast<double>(std::ranges::data(xy)[i + 1]));
        }
        return s;
    };
    // Blue and red at half opacity, as the notebook's c="blue"/"red", alpha=0.5.
    plot(path, Figure{{Chart{opt.real_title, "x", "y", {series(real, "Real", "#7f0000ff")}, true, false},
                       Chart{opt.fake_title, "x", "y", {series(fake, "Generated", "#7fff0000")}, true, false}},
                      opt.width, opt.height});
}

}  // namespace ctnn::viz
