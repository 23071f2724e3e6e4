// Whether two trainers' losses.csv agree on their first rows, value by value:
//   compare_losses A.csv B.csv ROWS TOL
// Every column of the first ROWS data rows must satisfy |a - b| <= TOL * (1 + |a|); both files
// must have the same header and at least ROWS rows. Exit 0 when they agree, 1 naming the first
// cells that differ, 2 on bad use or an unreadable file.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {
std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    return cells;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        std::cerr << "compare_losses: cannot read " << path << "\n";
        std::exit(2);
    }
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: compare_losses A.csv B.csv ROWS TOL\n";
        return 2;
    }
    const std::vector<std::string> a = read_lines(argv[1]), b = read_lines(argv[2]);
    const std::size_t rows = std::stoul(argv[3]);
    const double tol = std::stod(argv[4]);
    if (a.empty() || b.empty() || a[0] != b[0]) {
        std::cerr << "compare_losses: " << argv[1] << " and " << argv[2] << " have different headers\n";
        return 1;
    }
    if (a.size() < rows + 1 || b.size() < rows + 1) {
        std::cerr << "compare_losses: fewer than " << rows << " rows in " << argv[1] << " or " << argv[2] << "\n";
        return 1;
    }
    const std::vector<std::string> names = split(a[0]);
    int bad = 0;
    for (std::size_t r = 1; r <= rows; ++r) {
        const std::vector<std::string> x = split(a[r]), y = split(b[r]);
        for (std::size_t c = 0; c < names.size() && c < x.size() && c < y.size(); ++c) {
            const double u = std::stod(x[c]), v = std::stod(y[c]);
            if (!(std::abs(u - v) <= tol * (1 + std::abs(u))) && ++bad <= 5)
                std::cerr << "row " << r << ", " << names[c] << ": " << u << " in " << argv[1] << ", " << v << " in "
                          << argv[2] << "\n";
        }
        if (x.size() != names.size() || y.size() != names.size()) {
            std::cerr << "compare_losses: row " << r << " does not have " << names.size() << " cells\n";
            return 1;
        }
    }
    if (bad) return 1;
    std::cout << rows << " rows of " << names.size() << " columns agree within " << tol << "\n";
    return 0;
}
