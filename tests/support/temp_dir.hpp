// A fresh, uniquely named directory for one test, removed with everything in it afterwards.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ctnn::test {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ctnn_test_XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()));
        path = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// Nothing but `name` in the directory: no temporary file was left behind.
    bool only(const std::string& name) const {
        std::size_t n = 0;
        for (const auto& e : std::filesystem::directory_iterator(path)) {
            if (e.path().filename() != name) return false;
            ++n;
        }
        return n == 1;
    }
};

}  // namespace ctnn::test
