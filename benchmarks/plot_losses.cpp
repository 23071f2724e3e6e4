// Loss curves of several runs on one picture, one panel per loss column (ctnn::viz::plot):
//   plot_losses OUT.png TITLE COLUMN[,COLUMN...] LABEL=losses.csv [LABEL=losses.csv...]
// e.g. the same mnist_gan run as 1, 2 and 4 processes (benchmarks/loss_curves.sh). Raw values,
// unsmoothed, so that curves that agree lie on one another.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <ctnn/viz/plot.hpp>

namespace {
std::vector<std::string> split(const std::string& text, char by) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string cell; std::getline(s, cell, by);) out.push_back(cell);
    return out;
}

/// The step column and the named column of a losses.csv.
void read_column(const std::string& path, const std::string& column, std::vector<double>& x, std::vector<double>& y) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) throw std::runtime_error(path + ": cannot read");
    const auto header = split(line, ',');
    std::size_t k = 0;
    while (k < header.size() && header[k] != column) ++k;
    if (k == header.size()) throw std::runtime_error(path + ": no column " + column);
    while (std::getline(in, line)) {
        const auto cells = split(line, ',');
        if (cells.size() != header.size()) throw std::runtime_error(path + ": a row of " + std::to_string(cells.size()) + " cells");
        x.push_back(std::stod(cells[0]));
        y.push_back(std::stod(cells[k]));
    }
}
}  // namespace

int main(int argc, char** argv) try {
    if (argc < 5) {
        std::cerr << "usage: plot_losses OUT.png TITLE COLUMN[,COLUMN...] LABEL=losses.csv [LABEL=losses.csv...]\n";
        return 2;
    }
    ctnn::viz::Figure figure{.width = 1200, .height = 500};
    for (const std::string& column : split(argv[3], ',')) {
        ctnn::viz::Chart chart{.title = std::string(argv[2]) + ": " + column, .xlabel = "step", .ylabel = column};
        for (int i = 4; i < argc; ++i) {
            const std::string run = argv[i];
            const auto eq = run.find('=');
            if (eq == std::string::npos) throw std::runtime_error(run + ": expected LABEL=losses.csv");
            ctnn::viz::Series s{.label = run.substr(0, eq)};
            read_column(run.substr(eq + 1), column, s.x, s.y);
            chart.series.push_back(std::move(s));
        }
        figure.panels.push_back(std::move(chart));
    }
    ctnn::viz::plot(argv[1], figure);
    return 0;
} catch (const std::exception& e) {
    std::cerr << "plot_losses: " << e.what() << "\n";
    return 1;
}
