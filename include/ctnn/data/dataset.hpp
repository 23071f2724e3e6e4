// An in-memory data set of statically shaped samples, and the check that a file's sample shape
// fits a network's input shape.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ctnn/core/shape.hpp"
#include "ctnn/data/file.hpp"

namespace ctnn::data {

/// size() samples of shape S stored one after the other (row-major, as PyTorch stores a batch),
/// with one label per sample or none.
template <AnyShape S, class T = std::uint8_t>
struct Dataset {
    using shape = S;       ///< the shape of one sample
    using value_type = T;  ///< the stored element type (bytes for IDX and CIFAR, float for .npy)

    std::vector<T> samples;  ///< size() * S::size values, sample after sample
    std::vector<std::int32_t> labels;  ///< empty, or size() class indices

    index_t size() const { return samples.size() / S::size; }  ///< how many samples
    bool labelled() const { return !labels.empty(); }          ///< whether it has labels
    /// The S::size values of sample i (i < size(), unchecked).
    std::span<const T> sample(index_t i) const { return {samples.data() + i * S::size, S::size}; }
};

/// "[28, 28]".
inline std::string dims_str(std::span<const std::uint64_t> dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

/// Whether samples of shape `file` (as a file stores them) can feed a network whose input is S:
/// equal dimensions once leading 1s are dropped from both (an MNIST [28, 28] image is a
/// Shape<1, 28, 28>), or S flat with the same element count (the seeds' 784-vector MLPs).
template <AnyShape S>
constexpr bool sample_shape_fits(std::span<const std::uint64_t> file) {
    std::size_t f = 0, s = 0;
    while (f < file.size() && file[f] == 1) ++f;
    while (s < S::rank && S::dims[s] == 1) ++s;
    if (file.size() - f == S::rank - s) {
        bool equal = true;
        for (std::size_t k = 0; f + k < file.size(); ++k) equal = equal && file[f + k] == S::dims[s + k];
        if (equal) return true;
    }
    if (S::rank != 1) return false;
    std::uint64_t count = 1;
    for (std::uint64_t d : file) count *= d;  // callers have ruled out overflow
    return count == S::size;
}

/// Throws unless sample_shape_fits<S>(file), naming both shapes.
template <AnyShape S>
void check_sample_shape(const ByteReader& in, std::span<const std::uint64_t> file) {
    if (!sample_shape_fits<S>(file))
        in.fail("sample shape " + dims_str(file) + " does not match the network's input shape " + S::str(false));
}

}  // namespace ctnn::data
