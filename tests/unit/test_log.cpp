// Progress and logs: tqdm's meter format, the plain-line mode for files, CSV rows checked against
// the header, metrics JSON read back, step times' medians after a warm-up.
#define BOOST_TEST_MODULE log
#include <boost/test/unit_test.hpp>

#include "support/temp_dir.hpp"

#include <ctnn/logging/csv.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/logging/progress.hpp>
#include <ctnn/logging/step_times.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>

using namespace ctnn;
namespace fs = std::filesystem;

namespace {

using ctnn::test::TempDir;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(meter_matches_tqdm) {
    // tqdm(total=10000, desc="Training GAN") after 4500 steps in 12.3 s, set_postfix(G_Loss=0.693)
    BOOST_TEST(logging::format_meter(4500, 10000, 12.3, "Training GAN", {{"G_Loss", "0.693"}}) ==
               "Training GAN:  45%|\u2588\u2588\u2588\u2588\u258c     | 4500/10000 [00:12<00:15, 365.85it/s, G_Loss=0.693]");
    BOOST_TEST(logging::format_meter(0, 50, 0.0, "", {}) == "  0%|          | 0/50 [00:00<?, ?it/s]");
    // Slower than a step a second: seconds per step; ascii bar; no bar; hours.
    BOOST_TEST(logging::format_meter(3, 4, 7.5, "x", {}, 4, true) == "x:  75%|### | 3/4 [00:07<00:02,  2.50s/it]");
    BOOST_TEST(logging::format_meter(100, 100, 3725, "", {}, 0) == "100% 100/100 [1:02:05<00:00, 37.25s/it]");
}

BOOST_AUTO_TEST_CASE(lines_mode_prints_whole_lines_every_n_steps) {
    std::ostringstream out;
    {
        logging::Progress bar(100, {.desc = "train", .out = &out, .line_every_steps = 25, .line_every_seconds = 0});
        for (int i = 0; i < 100; ++i) {
            bar.set_postfix({{"G_Loss", 0.6931}, {"D_Loss", 1.38629}});
            bar.update();
        }
    }
    BOOST_TEST(out.str().find('\r') == std::string::npos);
    const auto lines = lines_of(out.str());
    BOOST_REQUIRE_EQUAL(lines.size(), 4u);
    const std::regex line(R"(train: +(\d+)%\|[#0-9 ]{10}\| (\d+)/100 \[\d\d:\d\d<(\d\d:\d\d|\?), +[0-9.]+(it/s|s/it)\, G_Loss=0\.693, D_Loss=1\.39\])");
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::smatch m;
        BOOST_TEST_REQUIRE(std::regex_match(lines[i], m, line), lines[i]);
        BOOST_TEST(std::stoi(m[2]) == 25 * int(i + 1));
        BOOST_TEST(std::stoi(m[1]) == 25 * int(i + 1));
    }
    BOOST_TEST(lines[1].find("|#####     |") != std::string::npos, lines[1]);
}

BOOST_AUTO_TEST_CASE(redraw_mode_uses_carriage_returns_and_ends_the_line) {
    std::ostringstream out;
    {
        logging::Progress bar(3, {.desc = "d", .out = &out, .mode = logging::Progress::Mode::redraw});
        bar.update(3);
    }
    const std::string s = out.str();
    BOOST_TEST(s.front() == '\r');
    BOOST_TEST(s.back() == '\n');
    BOOST_TEST(s.find("3/3") != std::string::npos);
    // Not a terminal: automatic mode writes lines.
    std::ostringstream plain;
    logging::Progress(5, {.out = &plain}).update(5);
    BOOST_TEST(plain.str().find('\r') == std::string::npos);
    BOOST_TEST(lines_of(plain.str()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(csv_rows_follow_the_header) {
    TempDir dir;
    const auto path = dir.path / "losses.csv";
    {
        logging::CsvLogger csv(path, {"step", "d_loss", "g_loss", "note"}, {.flush_every = 2});
        csv.row({{"step", 0}, {"d_loss", 1.3862944f}, {"g_loss", 0.6931472f}, {"note", "a,b"}});
        csv.row({{"step", 1}, {"d_loss", 1.25}, {"g_loss", 0.1}, {"note", "say \"hi\""}});
        // Flushed every 2 rows: both are in the file while it is still open.
        BOOST_TEST(lines_of(read_file(path)).size() == 3u);
        BOOST_CHECK_THROW(csv.row({{"step", 2}, {"g_loss", 0.5}, {"d_loss", 1.0}, {"note", ""}}), std::invalid_argument);
        BOOST_CHECK_THROW(csv.row({{"step", 2}, {"d_loss", 1.0}}), std::invalid_argument);
        csv.row({{"step", 2}, {"d_loss", NAN}, {"g_loss", -0.0}, {"note", ""}});
        BOOST_TEST(csv.rows() == 3u);
        csv.close();
    }
    const std::vector<std::string> want{"step,d_loss,g_loss,note", "0,1.3862944,0.6931472,\"a,b\"",
                                        "1,1.25,0.1,\"say \"\"hi\"\"\"", "2,nan,-0,"};
    BOOST_TEST(lines_of(read_file(path)) == want, boost::test_tools::per_element());

    // A resumed run appends under the same header, and refuses a different one.
    {
        logging::CsvLogger csv(path, {"step", "d_loss", "g_loss", "note"}, {.append = true});
        csv.row({{"step", 3}, {"d_loss", 1}, {"g_loss", 2}, {"note", "resumed"}});
    }
    const auto lines = lines_of(read_file(path));
    BOOST_TEST(lines.size() == 5u);
    BOOST_TEST(lines.back() == "3,1,2,resumed");
    BOOST_CHECK_THROW(logging::CsvLogger(path, {"step", "loss"}, {.append = true}), std::invalid_argument);
    BOOST_CHECK_THROW(logging::CsvLogger(dir.path / "missing" / "x.csv", {"a"}), io::IoError);
}

// sync() puts the rows written so far on disk whatever flush_every says (before a checkpoint).
BOOST_AUTO_TEST_CASE(csv_sync_writes_every_row) {
    TempDir dir;
    const auto path = dir.path / "losses.csv";
    logging::CsvLogger csv(path, {"step", "loss"}, {.flush_every = 50});
    for (int i = 1; i <= 3; ++i) csv.row({{"step", i}, {"loss", 0.5}});
    BOOST_TEST(lines_of(read_file(path)).size() == 1u);
    csv.sync();
    BOOST_TEST(lines_of(read_file(path)).size() == 4u);
}

BOOST_AUTO_TEST_CASE(metrics_json_reads_back) {
    TempDir dir;
    const auto path = dir.path / "metrics.json";
    logging::write_metrics_json(path, {{"inception_score", 9.125}, {"epochs", 30}, {"model", "dcgan"},
                                   {"converged", true}, {"fid", NAN}});
    const auto j = nlohmann::ordered_json::parse(read_file(path));
    BOOST_TEST(j["inception_score"].get<double>() == 9.125);
    BOOST_TEST(j["epochs"].get<int>() == 30);
    BOOST_TEST(j["model"].get<std::string>() == "dcgan");
    BOOST_TEST(j["converged"].get<bool>());
    BOOST_TEST(j["fid"].is_null());
    BOOST_TEST(j.begin().key() == "inception_score");  // the order given
    BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    BOOST_CHECK_THROW(logging::write_metrics_json(path, {{"nested", {{"a", 1}}}}), std::invalid_argument);
    BOOST_CHECK_THROW(logging::write_metrics_json(path, nlohmann::ordered_json::array({1, 2})), std::invalid_argument);
    BOOST_CHECK_THROW(logging::write_metrics_json(dir.path / "missing" / "m.json", {{"a", 1}}), io::IoError);
}

BOOST_AUTO_TEST_CASE(step_times_medians_skip_the_warmup) {
    logging::StepTimes t(8);
    BOOST_TEST(t.median_seconds(5) == 0.0);  // no steps
    // Two slow warm-up steps, then 1, 4, 2 ms of which 0.5, 1, 1 ms communicating.
    for (const auto& [seconds, communicating] :
         {std::pair{0.5, 0.0}, {0.3, 0.3}, {0.001, 0.0005}, {0.004, 0.001}, {0.002, 0.001}})
        t.add(seconds, communicating);
    BOOST_TEST(t.size() == 5u);
    BOOST_TEST(t.skipped(2) == 2u);
    BOOST_TEST(t.median_seconds(2) == 0.002);
    BOOST_TEST(t.median_share(2) == 0.5);  // shares 0.5, 0.25, 0.5
    t.add(0.003, 0.0);  // an even count: the mean of the middle two, 2 and 3 ms
    BOOST_TEST(t.median_seconds(2) == 0.0025, boost::test_tools::tolerance(1e-12));
    // A run shorter than twice the warm-up skips only its first half.
    BOOST_TEST(t.skipped(5) == 3u);
    BOOST_TEST(t.median_seconds(5) == 0.003);
}
