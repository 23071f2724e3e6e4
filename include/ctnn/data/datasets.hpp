// The real data sets the seeds train on, found where scripts/prepare-data.sh puts them
// (docs/data.md: sources, split, checksums).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "ctnn/data/dataset.hpp"
#include "ctnn/data/idx.hpp"

namespace ctnn::data {

/// Which part of a data set to read: its training or its test samples (docs/data.md).
enum class Split { train, test };

namespace detail {

inline constexpr const char* prepare_command = "run: bash scripts/prepare-data.sh";

inline bool has_split(const std::filesystem::path& dir, const std::string& images, const std::string& labels) {
    std::error_code ec;
    return std::filesystem::is_regular_file(dir / images, ec) && std::filesystem::is_regular_file(dir / labels, ec);
}

/// Images and labels of a split, from `dir` when it holds both files; otherwise a DataError
/// saying what was looked for, where, and the command that installs it.
template <AnyShape S>
Dataset<S> read_split(const std::filesystem::path& dir, const std::string& images, const std::string& labels,
                      const std::string& what, const std::string& where) {
    if (!has_split(dir, images, labels))
        throw DataError(what + " not found: no " + images + " and " + labels + " in " + where + "; " + prepare_command);
    return read_idx<S>(dir / images, dir / labels);
}

}  // namespace detail

/// MNIST, the standard split: 60,000 training and 10,000 test digits, the original IDX files
/// (train-* and t10k-*) in data/mnist/ (docs/data.md). The directory is $CTNN_DATA_DIR/mnist when
/// that variable is set, else data/mnist in the working directory or the nearest parent that has
/// one (so programs run from the checkout or from its build tree find it).
template <AnyShape S = Shape<1, 28, 28>>
Dataset<S> mnist_digits(Split split) {
    const std::string prefix = split == Split::train ? "train" : "t10k";
    const std::string images = prefix + "-images-idx3-ubyte", labels = prefix + "-labels-idx1-ubyte";
    const std::string what = std::string("MNIST digits (") + (split == Split::train ? "train" : "test") + ")";
    if (const char* env = std::getenv("CTNN_DATA_DIR"))
        return detail::read_split<S>(std::filesystem::path(env) / "mnist", images, labels, what,
                                     std::string(env) + "/mnist ($CTNN_DATA_DIR)");
    const std::filesystem::path cwd = std::filesystem::current_path();
    for (std::filesystem::path dir = cwd;; dir = dir.parent_path()) {
        if (detail::has_split(dir / "data" / "mnist", images, labels))
            return detail::read_split<S>(dir / "data" / "mnist", images, labels, what, "");
        if (dir == dir.parent_path()) break;
    }
    return detail::read_split<S>(cwd / "data" / "mnist", images, labels, what,
                                 "data/mnist under " + cwd.string() + " or any parent directory");
}

/// Fashion-MNIST (60,000 train / 10,000 test, gzip IDX) from Debian's dataset-fashion-mnist, in
/// /usr/share/datasets/fashion-mnist, or in $CTNN_FASHION_MNIST_DIR when that is set.
template <AnyShape S = Shape<1, 28, 28>>
Dataset<S> fashion_mnist(Split split) {
    const std::string prefix = split == Split::train ? "train" : "t10k";
    const char* env = std::getenv("CTNN_FASHION_MNIST_DIR");
    const std::filesystem::path dir = env ? env : "/usr/share/datasets/fashion-mnist";
    return detail::read_split<S>(dir, prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz",
                                 std::string("Fashion-MNIST (") + (split == Split::train ? "train" : "test") + ")",
                                 dir.string() + (env ? " ($CTNN_FASHION_MNIST_DIR)" : ""));
}

}  // namespace ctnn::data
