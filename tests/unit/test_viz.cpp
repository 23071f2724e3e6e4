// Pictures: image grids decoded back and compared with torchvision's make_grid/save_image layout,
// computed by hand; plots drawn by gnuplot (skipped when it is not installed).
#define BOOST_TEST_MODULE viz
#include <boost/test/unit_test.hpp>

#include "support/temp_dir.hpp"

#include <ctnn/ctnn.hpp>
#include <ctnn/viz/image_grid.hpp>
#include <ctnn/viz/plot.hpp>

#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>

using namespace ctnn;
namespace fs = std::filesystem;

namespace {

using ctnn::test::TempDir;

struct Decoded {
    int width = 0, height = 0, channels = 0;
    std::vector<std::uint8_t> pixels;
};

Decoded decode(const fs::path& path) {
    Decoded d;
    std::uint8_t* p = stbi_load(path.c_str(), &d.width, &d.height, &d.channels, 0);
    BOOST_REQUIRE_MESSAGE(p, "stb_image cannot read " << path << ": " << stbi_failure_reason());
    d.pixels.assign(p, p + d.width * d.height * d.channels);
    stbi_image_free(p);
    return d;
}

/// Every channel of every pixel equals the expected gray level.
void check_gray(const Decoded& d, const std::vector<std::vector<int>>& want) {
    BOOST_REQUIRE_EQUAL(d.height, static_cast<int>(want.size()));
    BOOST_REQUIRE_EQUAL(d.width, static_cast<int>(want[0].size()));
    for (int y = 0; y < d.height; ++y)
        for (int x = 0; x < d.width; ++x)
            for (int c = 0; c < d.channels; ++c)
                BOOST_TEST(int(d.pixels[(y * d.width + x) * d.channels + c]) == want[y][x],
                           "pixel (" << y << ", " << x << ") channel " << c);
}

bool have_gnuplot() {
    try {
        viz::detail::find_gnuplot();
        return true;
    } catch (const viz::PlotError&) {
        return false;
    }
}

/// width and height from the PNG header, after checking the signature.
std::pair<int, int> png_size(const fs::path& path) {
    int w = 0, h = 0, c = 0;
    BOOST_REQUIRE(fs::file_size(path) > 1000);
    BOOST_REQUIRE(stbi_info(path.c_str(), &w, &h, &c));
    std::ifstream in(path, std::ios::binary);
    char sig[8];
    in.read(sig, 8);
    BOOST_TEST(std::string(sig, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    return {w, h};
}

// Three 1x2x2 images: a, b, c.
const std::vector<float> three_images{0.0f, 0.25f, 0.5f, 1.0f,  //
                                      0.1f, 0.2f,  0.3f, 0.4f,  //
                                      1.0f, 1.0f,  0.0f, 0.0f};

// make_grid(nrow=2, padding=1, pad_value=0.5): 2 columns, 2 rows of 3x3 cells, plus 1 pixel, the
// fourth cell empty; save_image: v * 255 + 0.5, truncated (0.25 -> 64, 0.1 -> 26, 0.4 -> 102).
const int P = 128;
const std::vector<std::vector<int>> three_images_grid{
    {P, P, P, P, P, P, P},     {P, 0, 64, P, 26, 51, P}, {P, 128, 255, P, 77, 102, P},
    {P, P, P, P, P, P, P},     {P, 255, 255, P, P, P, P}, {P, 0, 0, P, P, P, P},
    {P, P, P, P, P, P, P}};

}  // namespace

BOOST_AUTO_TEST_CASE(grid_layout_matches_make_grid_pixel_for_pixel) {
    TempDir dir;
    const auto path = dir.path / "grid.png";
    viz::save_image(path, {three_images, 3, 1, 2, 2}, {.nrow = 2, .padding = 1, .pad_value = 0.5f});
    const Decoded d = decode(path);
    BOOST_TEST(d.channels == 3);  // torchvision replicates one channel into RGB
    check_gray(d, three_images_grid);
    BOOST_TEST(dir.only("grid.png"));
}

BOOST_AUTO_TEST_CASE(gray_png_keeps_one_channel) {
    TempDir dir;
    viz::save_image(dir.path / "g.png", {three_images, 3, 1, 2, 2},
                    {.nrow = 2, .padding = 1, .pad_value = 0.5f, .gray_as_rgb = false});
    const Decoded d = decode(dir.path / "g.png");
    BOOST_TEST(d.channels == 1);
    check_gray(d, three_images_grid);
}

BOOST_AUTO_TEST_CASE(tensor_batch_saves_like_its_host_copy) {
    TempDir dir;
    const auto images = Tensor<Shape<1, 2, 2>, Cpu>::from_host(three_images);
    viz::save_image(dir.path / "t.png", images, {.nrow = 2, .padding = 1, .pad_value = 0.5f});
    check_gray(decode(dir.path / "t.png"), three_images_grid);
}

BOOST_AUTO_TEST_CASE(value_range_clamps_then_maps_to_0_1) {
    TempDir dir;
    // Tanh outputs in [-1, 1]; 2 and -3 are clamped. One image: torchvision adds no padding.
    const std::vector<float> v{-1, 0, 1, 2, -3, 0.5f};
    viz::save_image(dir.path / "r.png", {v, 1, 1, 2, 3},
                    {.normalize = true, .value_range = viz::ValueRange{-1, 1}});
    // 0.5 -> 0.75 * 255 + 0.5 = 191.75
    check_gray(decode(dir.path / "r.png"), {{0, 128, 255}, {255, 0, 191}});
}

BOOST_AUTO_TEST_CASE(normalize_uses_min_max_of_the_batch_or_of_each_image, *boost::unit_test::tolerance(1e-6f)) {
    const std::vector<float> v{2, 4, 6, 10, 0, 0, 1, 2};  // two 1x2x2 images
    const viz::HostImages images{v, 2, 1, 2, 2};
    const auto batch = viz::make_grid(images, {.padding = 0, .normalize = true, .gray_as_rgb = false});
    BOOST_TEST(batch.height == 2u);
    BOOST_TEST(batch.width == 4u);
    // Row-major (1, 2, 4): the images side by side, all scaled by the batch's [0, 10].
    const std::vector<float> want{0.2f, 0.4f, 0.0f, 0.0f, 0.6f, 1.0f, 0.1f, 0.2f};
    BOOST_TEST(batch.values == want, boost::test_tools::per_element());
    const auto each = viz::make_grid(images, {.padding = 0, .normalize = true, .scale_each = true, .gray_as_rgb = false});
    const std::vector<float> want_each{0.0f, 0.25f, 0.0f, 0.0f, 0.5f, 1.0f, 0.5f, 1.0f};
    BOOST_TEST(each.values == want_each, boost::test_tools::per_element());
    // Without normalize, values outside [0, 1] are clamped by save_image's quantisation.
    const auto raw = viz::to_pixels(viz::make_grid(images, {.padding = 0, .gray_as_rgb = false}));
    BOOST_TEST(raw == (std::vector<std::uint8_t>{255, 255, 0, 0, 255, 255, 255, 255}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rgb_images_keep_their_channels) {
    TempDir dir;
    // Two 3x1x2 images, nrow 1: stacked vertically, no padding.
    const std::vector<float> v{1, 0, 0, 1, 0, 0,   // image 0: R = (1, 0), G = (0, 1), B = (0, 0)
                               0, 0, 0, 0, 1, 1};  // image 1: blue
    viz::save_image(dir.path / "rgb.png", {v, 2, 3, 1, 2}, {.nrow = 1, .padding = 0});
    const Decoded d = decode(dir.path / "rgb.png");
    BOOST_TEST(d.channels == 3);
    BOOST_TEST(d.width == 2);
    BOOST_TEST(d.height == 2);
    const std::vector<std::uint8_t> want{255, 0, 0, 0, 255, 0,  // red, green
                                         0, 0, 255, 0, 0, 255};  // blue, blue
    BOOST_TEST(d.pixels == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_inputs_and_unwritable_paths_throw) {
    const std::vector<float> v(8, 0.5f);
    BOOST_CHECK_THROW(viz::make_grid({v, 2, 2, 1, 2}), std::invalid_argument);  // 2 channels
    BOOST_CHECK_THROW(viz::make_grid({v, 3, 1, 1, 2}), std::invalid_argument);  // 6 values needed
    BOOST_CHECK_THROW(viz::make_grid({v, 2, 1, 2, 2}, {.value_range = viz::ValueRange{-1, 1}}), std::invalid_argument);
    const fs::path bad = "/nonexistent_ctnn_dir/grid.png";
    try {
        viz::save_image(bad, {v, 2, 1, 2, 2});
        BOOST_FAIL("no exception");
    } catch (const io::IoError& e) {
        BOOST_TEST(std::string(e.what()).find(bad.string()) != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(ema_and_epoch_means, *boost::unit_test::tolerance(1e-12)) {
    const std::vector<double> v{1, 2, 3, 4, 5};
    BOOST_TEST(viz::ema(v, 0.0) == v, boost::test_tools::per_element());
    // Debiased: a constant stays constant from the first step on.
    const std::vector<double> c(4, 3.0);
    BOOST_TEST(viz::ema(c, 0.9) == c, boost::test_tools::per_element());
    // (0.5 * 1 * 0.5 + 0.5 * 2) / (0.5 * 0.5 + 0.5) = 1.25 / 0.75
    BOOST_TEST(viz::ema(v, 0.5)[1] == 1.25 / 0.75);
    BOOST_TEST(viz::epoch_means(v, 2) == (std::vector<double>{1.5, 3.5, 5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_gnuplot_names_the_package) {
    const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("PATH", "/nonexistent_ctnn_dir", 1);
    std::string message;
    try {
        viz::plot("unused.png", viz::Chart{"t", "x", "y", {{"a", {}, {1, 2}}}});
    } catch (const viz::PlotError& e) {
        message = e.what();
    }
    ::setenv("PATH", saved.c_str(), 1);
    BOOST_TEST(message.find("gnuplot-nox") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(loss_curves, *boost::unit_test::precondition([](auto) { return have_gnuplot(); })) {
    TempDir dir;
    std::vector<double> g, d;
    for (int i = 0; i < 500; ++i) {
        g.push_back(0.7 + 0.3 * std::sin(i * 0.05) + 0.1 * std::cos(i * 1.7));
        d.push_back(1.4 - 0.2 * std::sin(i * 0.03) + 0.1 * std::sin(i * 2.3));
    }
    viz::plot_gan_losses(dir.path / "one.png", g, d);
    BOOST_TEST((png_size(dir.path / "one.png") == std::pair{1000, 600}));
    viz::plot_gan_losses(dir.path / "two.png", g, d, {.steps_per_epoch = 100});
    BOOST_TEST((png_size(dir.path / "two.png") == std::pair{2000, 600}));
}

BOOST_AUTO_TEST_CASE(swiss_roll_side_by_side, *boost::unit_test::precondition([](auto) { return have_gnuplot(); })) {
    TempDir dir;
    std::vector<float> real, fake;
    for (int i = 0; i < 1000; ++i) {
        const float t = 1.5f * std::numbers::pi_v<float> * (1 + 2 * i / 1000.0f);
        real.insert(real.end(), {t * std::cos(t) / 10, t * std::sin(t) / 10});
        fake.insert(fake.end(), {std::cos(0.37f * i), std::sin(0.91f * i)});
    }
    viz::plot_real_vs_generated(dir.path / "roll.png", real, fake);
    BOOST_TEST((png_size(dir.path / "roll.png") == std::pair{1200, 500}));
    BOOST_TEST(dir.only("roll.png"));
}

BOOST_AUTO_TEST_CASE(minimax_cycle_line_plot, *boost::unit_test::precondition([](auto) { return have_gnuplot(); })) {
    TempDir dir;
    // Alternating gradient steps on f(x, y) = x y circle around (0, 0).
    viz::Series traj{"(x_t, y_t)", {}, {}, viz::Style::linespoints};
    double x = 1, y = 1;
    for (int t = 0; t < 200; ++t) {
        traj.x.push_back(x);
        traj.y.push_back(y);
        x -= 0.1 * y;
        y += 0.1 * x;
    }
    viz::plot(dir.path / "cycle.png", viz::Chart{"Minimax f(x, y) = xy", "x", "y", {traj}, true, false}, 600, 600);
    BOOST_TEST((png_size(dir.path / "cycle.png") == std::pair{600, 600}));
}

BOOST_AUTO_TEST_CASE(histogram_is_a_bar_chart_without_a_legend) {
    viz::Series counts{.style = viz::Style::bars};
    for (int c = 0; c < 10; ++c) {
        counts.x.push_back(c);
        counts.y.push_back(100 + 10 * c);
    }
    const viz::Figure fig{{viz::Chart{"labels", "predicted label", "samples", {counts}}}};
    const std::string gp = viz::detail::script(fig);
    BOOST_TEST(gp.find("with boxes fill solid") != std::string::npos, gp);
    BOOST_TEST(gp.find("set yrange [0:*]") != std::string::npos, gp);  // bars stand on 0
    BOOST_TEST(gp.find("unset key") != std::string::npos, gp);         // no empty legend box
    BOOST_TEST(gp.find("\nset key") == std::string::npos, gp);
    // A labelled series keeps its legend.
    const viz::Figure lines{{viz::Chart{"t", "x", "y", {{"a", {}, {1, 2, 3}}}}}};
    BOOST_TEST(viz::detail::script(lines).find("set key top right box opaque") != std::string::npos);
    if (!have_gnuplot()) return;
    TempDir dir;
    viz::plot(dir.path / "histogram.png", fig);
    BOOST_TEST((png_size(dir.path / "histogram.png") == std::pair{1000, 600}));
}

BOOST_AUTO_TEST_CASE(gnuplot_errors_are_reported, *boost::unit_test::precondition([](auto) { return have_gnuplot(); })) {
    TempDir dir;
    viz::Series bad{"a", {}, {1, 2, 3}};
    bad.color = "not-a-colour";
    BOOST_CHECK_THROW(viz::plot(dir.path / "bad.png", viz::Chart{"t", "x", "y", {bad}}), viz::PlotError);
    BOOST_TEST(fs::is_empty(dir.path));
    BOOST_CHECK_THROW(viz::plot(dir.path / "nan.png", viz::Chart{"t", "x", "y", {{"a", {}, {NAN}}}}), std::invalid_argument);
}
