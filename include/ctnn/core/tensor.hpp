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
    using shape = S;
    using device = Dev;
    using scalar = std::remove_const_t<T>;

    T* ptr = nullptr;
    index_t batch = 0;

    constexpr TensorView() = default;
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

    constexpr T* data() const { return ptr; }
    constexpr index_t size() const { return batch * S::size; }
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

template <AnyShape S, class Dev, class T = float>
using ConstView = TensorView<S, Dev, const T>;

/// Owns storage for `batch` samples of shape S on Dev. Resizing to a batch that fits in the
/// capacity already held does not allocate, so buffers sized once are reused by every step.
template <AnyShape S, class Dev, class T = float>
class Tensor {
public:
    using shape = S;
    using device = Dev;
    using scalar = T;
    using view_type = TensorView<S, Dev, T>;
    using const_view_type = TensorView<S, Dev, const T>;

    Tensor() = default;
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

    void resize(index_t batch) {
        if (batch * S::size > storage_.size()) storage_.resize(batch * S::size);
        batch_ = batch;
    }

    index_t batch() const { return batch_; }
    index_t size() const { return batch_ * S::size; }
    T* data() { return Dev::data(storage_); }
    const T* data() const { return Dev::data(storage_); }

    view_type view() { return {data(), batch_}; }
    const_view_type view() const { return {data(), batch_}; }
    const_view_type cview() const { return {data(), batch_}; }
    operator view_type() { return view(); }
    operator const_view_type() const { return view(); }

    void fill(T value) { Dev::fill(data(), size(), value); }
    void zero() { fill(T(0)); }

    std::vector<T> to_host() const {
        std::vector<T> out(size());
        Dev::to_host(data(), size(), out.data());
        return out;
    }
    void copy_from_host(const std::vector<T>& values) {
        if (values.size() != size())
            throw std::invalid_argument("ctnn::Tensor: " + std::to_string(values.size()) +
                                        " values given for a tensor of " + std::to_string(size()));
        Dev::from_host(values.data(), size(), data());
    }
    void copy_from(const_view_type v) {
        resize(v.batch);
        Dev::copy(v.data(), v.size(), data());
    }

private:
    typename Dev::template storage<T> storage_;
    index_t batch_ = 0;
};

}  // namespace ctnn
