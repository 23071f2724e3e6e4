// Tensors: a run-time batch of statically shaped samples in a device's memory.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "ctnn/core/config.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/core/shape.hpp"

namespace ctnn {

namespace detail {
/// A tensor or view on device Dev whose sample shape is not S.
template <class V, class S, class Dev>
concept OtherShapeOn = requires {
    typename V::shape;
    typename V::device;
} && std::is_same_v<typename V::device, Dev> && !std::is_same_v<typename V::shape, S>;
}  // namespace detail

/// A non-owning view of `batch` samples of shape S in Dev's memory. T may be const.
template <AnyShape S, class Dev, class T>
struct TensorView {
    using shape = S;                        ///< the shape of one sample
    using device = Dev;                     ///< the Device whose memory ptr points into
    using scalar = std::remove_const_t<T>;  ///< the element type, without const

    T* ptr = nullptr;   ///< the first element; samples follow one another (sample-major)
    index_t batch = 0;  ///< how many samples

    constexpr TensorView() = default;
    /// n samples starting at p.
    constexpr TensorView(T* p, index_t n) : ptr(p), batch(n) {}
    /// A mutable view converts to a const one.
    template <class U>
        requires(std::is_const_v<T> && std::is_same_v<const U, T>)
    constexpr TensorView(TensorView<S, Dev, U> v) : ptr(v.ptr), batch(v.batch) {}
    /// A tensor or view of another sample shape does not convert; this says so with both shapes
    /// (rather than a list of candidates that never names them).
    template <detail::OtherShapeOn<S, Dev> V>
    constexpr TensorView(const V&) {
        (void)sizeof(error::tensor_shape_mismatch<S, typename V::shape>);
    }

    constexpr T* data() const { return ptr; }                    ///< the first element
    constexpr index_t size() const { return batch * S::size; }  ///< elements: batch * S::size
    /// Whether the view points nowhere (backward's dx when nobody needs the input gradient).
    constexpr bool empty() const { return ptr == nullptr; }

    /// The same memory seen with another sample shape of equal element count.
    template <AnyShape S2>
    constexpr TensorView<S2, Dev, T> reshape() const {
        static_assert(S2::size == S::size, "ctnn: reshape must keep the number of elements");
        return {ptr, batch};
    }
    /// Samples [first, first + count).
    constexpr TensorView slice(index_t first, index_t count) const {
        return {ptr + first * S::size, count};
    }
};

/// A read-only view of samples of shape S: what layers take as input.
template <AnyShape S, class Dev, class T = float>
using ConstView = TensorView<S, Dev, const T>;

/// Owns storage for `batch` samples of shape S on Dev. Resizing to a batch that fits in the
/// capacity already held does not allocate, so buffers sized once are reused by every step.
template <AnyShape S, class Dev, class T = float>
class Tensor {
public:
    using shape = S;                                      ///< the shape of one sample
    using device = Dev;                                   ///< the Device that holds the storage
    using scalar = T;                                     ///< the element type
    using view_type = TensorView<S, Dev, T>;              ///< what view() returns
    using const_view_type = TensorView<S, Dev, const T>;  ///< what cview() returns

    Tensor() = default;
    /// Storage for `batch` samples, zeroed.
    explicit Tensor(index_t batch) { resize(batch); }

    /// A tensor holding a copy of host values (batch inferred from the count).
    static Tensor from_host(const std::vector<T>& values) {
        if (values.size() % S::size != 0)
            throw std::invalid_argument("ctnn::Tensor::from_host: " + std::to_string(values.size()) +
                                        " values are not a whole number of samples of shape " +
                                        S::str(false));
        Tensor t(values.size() / S::size);
        t.copy_from_host(values);
        return t;
    }

    /// Holds `batch` samples from now on. Allocates only beyond the largest batch held so far;
    /// the values already held stay, newly allocated ones are zero.
    void resize(index_t batch) {
        if (batch * S::size > storage_.size()) storage_.resize(batch * S::size);
        batch_ = batch;
    }

    index_t batch() const { return batch_; }           ///< how many samples it holds
    index_t size() const { return batch_ * S::size; }  ///< elements: batch() * S::size

    /// @name Data
    ///@{

    /// The first element, in Dev's memory; sample i starts at data() + i * S::size.
    T* data() { return Dev::data(storage_); }
    const T* data() const { return Dev::data(storage_); }
    ///@}

    /// @name Views
    ///@{

    /// A view of all samples: view() writable unless the tensor is const, cview() read-only. A
    /// tensor converts to either, so functions that take views take tensors.
    view_type view() { return {data(), batch_}; }
    const_view_type view() const { return {data(), batch_}; }
    const_view_type cview() const { return {data(), batch_}; }
    operator view_type() { return view(); }
    operator const_view_type() const { return view(); }
    ///@}

    void fill(T value) { Dev::fill(data(), size(), value); }  ///< sets every element to value
    void zero() { fill(T(0)); }                               ///< sets every element to 0

    /// A copy of every element in host memory, sample-major.
    std::vector<T> to_host() const {
        std::vector<T> out(size());
        Dev::to_host(data(), size(), out.data());
        return out;
    }
    /// Overwrites every element from host values; throws std::invalid_argument unless there
    /// are exactly size() of them (the batch stays as it is).
    void copy_from_host(const std::vector<T>& values) {
        if (values.size() != size())
            throw std::invalid_argument("ctnn::Tensor: " + std::to_string(values.size()) +
                                        " values given for a tensor of " + std::to_string(size()));
        Dev::from_host(values.data(), size(), data());
    }
    /// Becomes a copy of v (same device): resizes to v's batch, then copies.
    void copy_from(const_view_type v) {
        resize(v.batch);
        Dev::copy(v.data(), v.size(), data());
    }

private:
    typename Dev::template storage<T> storage_;
    index_t batch_ = 0;
};

}  // namespace ctnn
