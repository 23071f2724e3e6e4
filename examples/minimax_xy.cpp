// Seed 003's inline question: alternating gradient steps on f(x, y) = x y from (1, 1) with step
// size 1, y ascending first (y <- y + x), then x descending with the new y (x <- x - y). The
// iterates cycle with period 6 and never reach the saddle point (0, 0), whatever the step count:
// why a GAN's alternating updates can orbit instead of converging. Prints the table and plots the
// cycle into --out.
#include <cstdio>
#include <iostream>

#include <ctnn/logging/csv.hpp>
#include <ctnn/viz/plot.hpp>

#include "common/run.hpp"

int main(int argc, char** argv) {
    return examples::guarded_main("minimax_xy", [&] {
        double x = 1, y = 1, step = 1;
        int steps = 6;
        std::filesystem::path out = "runs/minimax_xy";
        examples::Cli cli("minimax_xy", "Alternating gradient descent-ascent on f(x, y) = xy (seed 003's question).");
        cli.flag("x0", x, "start x").flag("y0", y, "start y").flag("step", step, "step size")
            .flag("steps", steps, "steps to take", examples::at_least(0)).flag("out", out, "output folder");
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        std::filesystem::create_directories(out);
        ctnn::logging::CsvLogger csv(out / "minimax.csv", {"t", "x", "y", "f"});
        ctnn::viz::Series path{.label = "(x_t, y_t)", .style = ctnn::viz::Style::linespoints};
        std::printf("%4s %10s %10s %10s\n", "t", "x_t", "y_t", "f(x_t,y_t)");
        for (int t = 0; t <= steps; ++t) {
            std::printf("%4d %10g %10g %10g\n", t, x, y, x * y);
            csv.row({{"t", t}, {"x", x}, {"y", y}, {"f", x * y}});
            path.x.push_back(x);
            path.y.push_back(y);
            y += step * x;  // ascent on y: df/dy = x
            x -= step * y;  // descent on x with the updated y: df/dx = y
        }
        csv.close();
        ctnn::viz::plot(out / "minimax.png",
                        ctnn::viz::Chart{.title = "Alternating steps on f(x, y) = xy orbit the saddle (0, 0)",
                                         .xlabel = "x", .ylabel = "y", .series = {path}, .equal_axes = true},
                        700, 700);
        std::cout << "min_x max_y xy = 0 (at x = 0); the iterates cycle instead. Wrote " << out.string()
                  << "/{minimax.csv, minimax.png}\n";
        return 0;
    });
}
