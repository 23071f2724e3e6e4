// Compile-time sample shapes. A batch of samples has a run-time size; everything else is static.
#pragma once

#include <array>
#include <string>
#include <type_traits>

#include "ctnn/core/config.hpp"

namespace ctnn {

/// The shape of one sample, e.g. Shape<1, 28, 28> for an MNIST image, Shape<784> for a flat one.
/// All dimensions are positive compile-time constants; a batch adds a leading run-time dimension.
template <index_t... Dims>
struct Shape {
    static_assert(sizeof...(Dims) > 0, "ctnn: a Shape needs at least one dimension");
    static_assert(((Dims > 0) && ...), "ctnn: every dimension of a Shape must be positive");

    static constexpr index_t rank = sizeof...(Dims);  ///< number of dimensions
    static constexpr index_t size = (Dims * ...);  ///< elements per sample
    static constexpr std::array<index_t, rank> dims{Dims...};  ///< the dimensions, outermost first

    /// Row-major strides in elements, within one sample.
    static constexpr std::array<index_t, rank> strides = [] {
        std::array<index_t, rank> s{};
        index_t acc = 1;
        for (index_t i = rank; i-- > 0;) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }();

    /// "[-1, 64, 32, 32]": the batch dimension first, as torchsummary prints it.
    static std::string str(bool with_batch = true) {
        std::string s = with_batch ? "[-1" : "[";
        bool first = !with_batch;
        for (index_t d : dims) {
            s += first ? "" : ", ";
            s += std::to_string(d);
            first = false;
        }
        return s + "]";
    }
};

namespace detail {
template <class T>
struct is_shape : std::false_type {};
template <index_t... D>
struct is_shape<Shape<D...>> : std::true_type {};
}  // namespace detail

template <class T>
concept AnyShape = detail::is_shape<T>::value;

/// A shape with exactly the dimensions C, H, W (images).
template <class S>
concept ImageShape = AnyShape<S> && S::rank == 3;

/// The first element of a Sequential: the shape of one input sample.
template <index_t... Dims>
struct Input {
    using shape = Shape<Dims...>;  ///< the input sample's shape
};

}  // namespace ctnn
