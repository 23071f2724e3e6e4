// Host memory aligned to 64 bytes: a cache line and an AVX-512 register. The Cpu's tensors and
// workspaces (Eigen's packed kernels) and the bf16 kernel's packed operands (gemm/bf16_avx512.hpp)
// live in it.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace ctnn::detail {

/// A std::allocator whose blocks start on a 64-byte boundary.
template <class T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::size_t alignment = 64;
    AlignedAllocator() = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = (n * sizeof(T) + alignment - 1) / alignment * alignment;
        void* p = std::aligned_alloc(alignment, bytes == 0 ? alignment : bytes);
        if (!p) throw std::bad_alloc();
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t) noexcept { std::free(p); }
    template <class U>
    bool operator==(const AlignedAllocator<U>&) const noexcept {
        return true;
    }
};

/// A device's storage<T> and data() in aligned host memory (CpuLoops', and the keys of host
/// workspace() buffers).
struct AlignedHostStorage {
    template <class T>
    using storage = std::vector<T, AlignedAllocator<T>>;

    template <class T>
    static T* data(storage<T>& v) {
        return v.data();
    }
    template <class T>
    static const T* data(const storage<T>& v) {
        return v.data();
    }
};

}  // namespace ctnn::detail
