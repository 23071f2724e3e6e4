// Checkpoints: safetensors round trips, all-or-nothing loading, and each kind of bad file.
#define BOOST_TEST_MODULE checkpoint
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/io/checkpoint.hpp>
#include <ctnn/models/seeds.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "support/equal.hpp"
#include "support/temp_dir.hpp"

using namespace ctnn;
namespace fs = std::filesystem;

namespace {
using ctnn::test::same_elements;
using ctnn::test::TempDir;

template <class NetT>
std::vector<float> all_state(NetT& net) {
    std::vector<float> v;
    net.visit_parameters([&](const std::string&, auto& p, auto&) { for (float x : p.to_host()) v.push_back(x); });
    net.visit_buffers([&](const std::string&, auto& b) {
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(b)>>)
            v.push_back(static_cast<float>(b));
        else
            for (float x : b.to_host()) v.push_back(x);
    });
    return v;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const io::FormatError& e) {
        return e.what();
    }
    return "(no error)";
}

using G = models::DcganGenerator<>;
}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_restores_parameters_buffers_and_counters) {
    TempDir dir;
    Rng r1(1), r2(2);
    Network<G> a(r1), b(r2);
    // Move a's BatchNorm statistics off their initial values.
    Tensor<Shape<10>, Cpu> z(8);
    std::vector<float> zs(80);
    for (auto& v : zs) v = r1.normal<float>();
    z.copy_from_host(zs);
    a.forward(z);
    std::int64_t step_a = 1234, step_b = 0;
    io::Checkpoint().network("generator", a).counter("step", step_a).rng("rng", r1).save(dir.path / "c.safetensors");
    BOOST_TEST(all_state(a) != all_state(b));
    io::Checkpoint().network("generator", b).counter("step", step_b).rng("rng", r2).load(dir.path / "c.safetensors");
    BOOST_TEST(same_elements(all_state(a), all_state(b)));
    BOOST_TEST(step_b == 1234);
    BOOST_TEST(r1.bits() == r2.bits());
}

BOOST_AUTO_TEST_CASE(names_follow_state_dict_keys) {
    TempDir dir;
    Rng r(3);
    Network<G> g(r);
    io::Checkpoint().network("generator", g).save(dir.path / "g.safetensors");
    const auto st = io::SafeTensors::load(dir.path / "g.safetensors");
    BOOST_TEST(st.has("generator.0.weight"));
    BOOST_TEST(st.has("generator.2.running_mean"));
    BOOST_TEST(st.has("generator.2.num_batches_tracked"));
    BOOST_TEST(st.tensors.at("generator.7.weight").shape == (std::vector<std::int64_t>{128, 64, 4, 4}),
               boost::test_tools::per_element());
    BOOST_TEST((st.tensors.at("generator.2.num_batches_tracked").dtype == io::DType::I64));
}

BOOST_AUTO_TEST_CASE(bad_files_each_get_their_own_error_and_change_nothing) {
    TempDir dir;
    Rng r(4), r2(5);
    Network<G> g(r), target(r2);
    const fs::path good = dir.path / "good.safetensors";
    io::Checkpoint().network("generator", g).save(good);
    const auto before = all_state(target);
    const auto load_into_target = [&](const fs::path& p) {
        return error_of([&] { io::Checkpoint().network("generator", target).load(p); });
    };
    std::vector<char> bytes;
    {
        std::ifstream in(good, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto write = [&](const std::string& name, const std::vector<char>& b) {
        std::ofstream(dir.path / name, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
        return dir.path / name;
    };

    BOOST_TEST(load_into_target(dir.path / "missing.safetensors").find("no such file") != std::string::npos);
    BOOST_TEST(load_into_target(dir.path).find("is a directory") != std::string::npos);
    BOOST_TEST(load_into_target(write("empty", {})).find("truncated") != std::string::npos);
    const auto truncated = std::vector<char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
    const std::string t = load_into_target(write("truncated", truncated));
    BOOST_TEST(t.find("truncated") != std::string::npos, t);
    BOOST_TEST(t.find("truncated") > 0u);  // the message starts with the file name
    auto flipped = bytes;
    flipped[flipped.size() - 100] ^= 0x5a;
    const std::string c = load_into_target(write("flipped", flipped));
    BOOST_TEST(c.find("corrupt") != std::string::npos, c);
    BOOST_TEST(c.find("checksum") != std::string::npos, c);
    auto bad_json = bytes;
    bad_json[9] = '#';
    BOOST_TEST(load_into_target(write("json", bad_json)).find("not valid JSON") != std::string::npos);

    // A different network: the message names the tensor and both shapes.
    using Other = models::DcganGenerator<12>;
    Rng r3(6);
    Network<Other> other(r3);
    io::Checkpoint().network("generator", other).save(dir.path / "other.safetensors");
    const std::string m = load_into_target(dir.path / "other.safetensors");
    BOOST_TEST(m.find("mismatch: tensor generator.0.weight has shape [1024, 12], expected [1024, 10]") !=
                   std::string::npos, m);
    // A prefix that is not there.
    const std::string p = error_of([&] { io::Checkpoint().network("critic", target).load(good); });
    BOOST_TEST(p.find("mismatch: no tensor critic.0.weight") != std::string::npos, p);

    BOOST_TEST(same_elements(all_state(target), before));
    io::Checkpoint().network("generator", target).load(good);  // and the good file still loads
    BOOST_TEST(same_elements(all_state(target), all_state(g)));
}

BOOST_AUTO_TEST_CASE(interrupted_save_leaves_previous_file) {
    TempDir dir;
    const fs::path path = dir.path / "ckpt.safetensors";
    Rng r(7);
    Network<G> g(r);
    io::Checkpoint().network("generator", g).save(path);
    const auto size = fs::file_size(path);
    // A writer that fails half-way, as a full disk or a crash before the rename would.
    BOOST_CHECK_THROW(io::write_atomically(path, [](std::FILE* f) {
                          io::write_bytes(f, "partial", 7, "test");
                          throw io::IoError("simulated failure before the rename");
                      }),
                      io::IoError);
    BOOST_TEST(fs::file_size(path) == size);
    Rng r2(8);
    Network<G> back(r2);
    io::Checkpoint().network("generator", back).load(path);
    BOOST_TEST(same_elements(all_state(back), all_state(g)));
    BOOST_TEST(dir.only("ckpt.safetensors"));  // no temporary file left behind
}

namespace {
std::vector<char> read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const fs::path& p, const std::vector<char>& b) {
    std::ofstream(p, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}
}  // namespace

// The checksum covers the metadata: one changed byte in a counter ("step":"93" -> "83") or in the
// random state is refused, and nothing bound changes.
BOOST_AUTO_TEST_CASE(a_changed_metadata_byte_is_refused) {
    TempDir dir;
    Rng r(7);
    std::int64_t step = 93;
    const fs::path path = dir.path / "c.safetensors";
    io::Checkpoint().counter("step", step).rng("rng", r).save(path);
    const auto bytes = read_bytes(path);
    const std::string text(bytes.begin(), bytes.end());
    // The first byte of each value: '9' -> '2', and a digit of the random state to another character.
    for (const std::string& target : {std::string("\"step\":\""), std::string("\"rng\":\"")}) {
        auto flipped = bytes;
        const auto at = text.find(target);
        BOOST_REQUIRE(at != std::string::npos);
        flipped[at + target.size()] ^= 0x0b;
        write_bytes(dir.path / "flipped", flipped);
        std::int64_t loaded = 0;
        Rng r2(1);
        const std::string e = error_of([&] { io::Checkpoint().counter("step", loaded).rng("rng", r2).load(dir.path / "flipped"); });
        BOOST_TEST(e.find("checksum") != std::string::npos, e);
        BOOST_TEST(loaded == 0);
    }
    // A counter that is not a number (in a file whose checksum matches) is named, not "stoll".
    io::SafeTensors st;
    st.metadata["step"] = "9x";
    st.save(dir.path / "nan.safetensors");
    std::int64_t loaded = 0;
    const std::string e = error_of([&] { io::Checkpoint().counter("step", loaded).load(dir.path / "nan.safetensors"); });
    BOOST_TEST(e.find("metadata entry step \"9x\" cannot be restored: not an integer") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(settings_differences_are_named_unless_allowed) {
    TempDir dir;
    const fs::path path = dir.path / "c.safetensors";
    std::int64_t step = 5;
    io::Checkpoint().counter("step", step).settings({{"seed", "1"}, {"loss", "bce"}, {"batch", "64"}}).save(path);
    std::int64_t loaded = 0;
    const std::map<std::string, std::string> other{{"seed", "2"}, {"loss", "ls"}, {"batch", "64"}};
    const std::string e = error_of([&] { io::Checkpoint().counter("step", loaded).settings(other).load(path); });
    BOOST_TEST(e.find("seed: 2 here, 1 in the checkpoint's run") != std::string::npos, e);
    BOOST_TEST(e.find("loss: ls here, bce in the checkpoint's run") != std::string::npos, e);
    BOOST_TEST(e.find("batch") == std::string::npos, e);
    BOOST_CHECK_THROW(io::Checkpoint().counter("step", loaded).settings(other).load(path), io::SettingsError);
    BOOST_TEST(loaded == 0);
    io::Checkpoint allowed;
    allowed.counter("step", loaded).settings(other, true).load(path);
    BOOST_TEST(loaded == 5);
    BOOST_TEST(allowed.notes().size() == 2u);
}

// A file of an older ctnn: its checksum covers the tensor bytes only, it has no settings and no
// optional state. It loads, saying what it lacks.
BOOST_AUTO_TEST_CASE(older_checkpoints_still_load) {
    TempDir dir;
    const std::string header =
        R"({"__metadata__":{"ctnn.checksum.fnv1a64":"14695981039346656037","format":"ctnn-checkpoint-1","step":"40"}})";
    std::vector<char> bytes(8, 0);
    bytes[0] = static_cast<char>(header.size());
    bytes.insert(bytes.end(), header.begin(), header.end());
    write_bytes(dir.path / "old.safetensors", bytes);
    std::int64_t step = 0;
    Rng extra(1);
    io::Checkpoint c;
    c.counter("step", step).state("loader", extra, true).settings({{"seed", "1"}}).load(dir.path / "old.safetensors");
    BOOST_TEST(step == 40);
    BOOST_TEST(c.missing("loader"));
    BOOST_REQUIRE(c.notes().size() == 1u);
    BOOST_TEST(c.notes()[0].find("no run settings") != std::string::npos);
    // The current format without its whole-file checksum is corrupt, not old.
    std::string v2 = R"({"__metadata__":{"format":"ctnn-checkpoint-2","step":"40"}})";
    v2.append((8 - v2.size() % 8) % 8, ' ');
    std::vector<char> b2(8, 0);
    b2[0] = static_cast<char>(v2.size());
    b2.insert(b2.end(), v2.begin(), v2.end());
    write_bytes(dir.path / "v2.safetensors", b2);
    const std::string e = error_of([&] { io::Checkpoint().counter("step", step).load(dir.path / "v2.safetensors"); });
    BOOST_TEST(e.find("without its checksum") != std::string::npos, e);
}
