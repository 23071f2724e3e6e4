// A network's parameters and their gradients live in two flat buffers, one of each per network;
// every layer's weight, bias and their gradients are views into them, bound when the network is
// built (as tiny-cuda-nn's set_params binds its modules). What runs over all parameters at once
// (an optimizer's update, zero_grad, the finiteness guard, a gradient reduction across processes)
// is then one pass over one buffer instead of one per tensor.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "ctnn/core/config.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"

namespace ctnn {

/// `batch` samples of shape S in memory that someone else owns (a network's flat buffers, an
/// optimizer's flat state), with the members of Tensor that code over parameters uses (data,
/// size, fill, to_host, copy_from_host...): initialisers and checkpoints take either.
template <AnyShape S, class Dev, class T>
class BufferView {
public:
    /// @name Types
    ///@{

    /// As Tensor's.
    using shape = S;
    using device = Dev;
    using scalar = T;
    using view_type = TensorView<S, Dev, T>;
    using const_view_type = TensorView<S, Dev, const T>;
    ///@}

    BufferView() = default;
    /// `batch` samples at p (nullptr until bind() when a network lays out its parameters).
    BufferView(T* p, index_t batch) : ptr_(p), batch_(batch) {}

    /// Points this view at p (a network binds its layers' parameters once, when it is built).
    void bind(T* p) { ptr_ = p; }

    /// @name Tensor's interface
    ///@{

    /// As Tensor's members of the same name, over memory this view does not own (it never
    /// resizes: copy_from_host throws std::invalid_argument unless given exactly size() values).
    index_t batch() const { return batch_; }
    index_t size() const { return batch_ * S::size; }
    T* data() { return ptr_; }
    const T* data() const { return ptr_; }

    view_type view() { return {ptr_, batch_}; }
    const_view_type view() const { return {ptr_, batch_}; }
    const_view_type cview() const { return {ptr_, batch_}; }
    operator view_type() { return view(); }
    operator const_view_type() const { return view(); }

    void fill(T value) { Dev::fill(ptr_, size(), value); }
    void zero() { fill(T(0)); }

    std::vector<T> to_host() const {
        std::vector<T> out(size());
        Dev::to_host(ptr_, size(), out.data());
        return out;
    }
    void copy_from_host(const std::vector<T>& values) {
        if (values.size() != size())
            throw std::invalid_argument("ctnn::BufferView: " + std::to_string(values.size()) +
                                        " values given for a buffer of " + std::to_string(size()));
        Dev::from_host(values.data(), size(), ptr_);
    }
    ///@}

private:
    T* ptr_ = nullptr;
    index_t batch_ = 1;
};

/// A layer's parameter tensor (or its gradient): one sample of shape S in its network's flat
/// buffer. Layers declare their parameters with it; Network binds them.
template <AnyShape S, class Dev, class T>
using Parameter = BufferView<S, Dev, T>;

/// Bytes between the starts of consecutive parameters are multiples of this: each parameter
/// starts on a cache line (and an AVX-512 register), as each had when it owned a Cpu tensor, so
/// GEMM kernels see the same alignment as before and no two parameters share a cache line.
inline constexpr std::size_t parameter_alignment = 64;

/// The flat parameter and gradient buffers of one network, and where each parameter lies in them.
/// Padding between parameters (up to parameter_alignment) is zero in both buffers and stays zero
/// under every update: optimizers run over the whole buffer, padding included.
template <class Dev, class T>
class FlatParameters {
public:
    /// Where one parameter lies: elements [offset, offset + size) of both buffers.
    struct Entry {
        std::string name;  ///< its state_dict key
        index_t offset;    ///< its first element, counted from the start of each buffer
        index_t size;      ///< its elements, padding excluded
    };

    /// Lays out layers' parameters in visit_parameters order, allocates both buffers (zeroed)
    /// and binds every parameter and gradient view to its place.
    template <class Layers>
    explicit FlatParameters(Layers& layers) {
        constexpr index_t align = parameter_alignment / sizeof(T);
        static_assert(parameter_alignment % sizeof(T) == 0);
        index_t end = 0;
        layers.visit_parameters("", [&](const std::string& name, auto& p, auto&) {
            entries_.push_back({name, end, p.size()});
            end += (p.size() + align - 1) / align * align;
        });
        size_ = end;
        values_.resize(size_);
        grads_.resize(size_);
        Dev::fill(values(), size_, T(0));
        Dev::fill(gradients(), size_, T(0));
        std::size_t k = 0;
        layers.visit_parameters("", [&](const std::string&, auto& p, auto& g) {
            p.bind(values() + entries_[k].offset);
            g.bind(gradients() + entries_[k].offset);
            ++k;
        });
    }
    FlatParameters(const FlatParameters&) = delete;
    FlatParameters& operator=(const FlatParameters&) = delete;

    /// @name Buffers
    ///@{

    /// The flat values and the flat gradients: size() elements each, in Dev's memory.
    T* values() { return Dev::data(values_); }
    const T* values() const { return Dev::data(values_); }
    T* gradients() { return Dev::data(grads_); }
    const T* gradients() const { return Dev::data(grads_); }
    ///@}
    /// Elements in each buffer, padding included.
    index_t size() const { return size_; }
    /// Every parameter's name and place, in visit_parameters order.
    const std::vector<Entry>& entries() const { return entries_; }

private:
    typename Dev::template storage<T> values_, grads_;
    std::vector<Entry> entries_;
    index_t size_ = 0;
};

}  // namespace ctnn
