// Image grids as PNG files, laid out exactly as torchvision.utils.make_grid and quantised as
// torchvision.utils.save_image does, so a picture from ctnn and one from the PyTorch twin can be
// compared pixel for pixel.
//
// stb_image_write is compiled into every translation unit that includes this header, with static
// linkage (STB_IMAGE_WRITE_STATIC): ctnn is header-only, so there is no one .cpp to hold it. Do not
// define STB_IMAGE_WRITE_IMPLEMENTATION yourself in a file that includes this header.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
// <stb/...> rather than pkg-config's -I/usr/include/stb: /usr/include is a system directory, so
// stb's own warnings stay quiet.
#include <stb/stb_image_write.h>
#undef STB_IMAGE_WRITE_IMPLEMENTATION

#include "ctnn/core/config.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/io/atomic_file.hpp"

namespace ctnn::viz {

/// [low, high]: values mapped to 0 and 1 by normalisation.
struct ValueRange {
    float low = 0;   ///< the value that becomes 0
    float high = 1;  ///< the value that becomes 1
};

/// torchvision.utils.make_grid's arguments, with its defaults.
struct GridOptions {
    index_t nrow = 8;        ///< images per row
    index_t padding = 2;     ///< pixels around every cell
    float pad_value = 0.0f;  ///< in the output's [0, 1] scale
    /// Map values to [0, 1]: with value_range, clamp to it first; without, use the batch's min and
    /// max (each image's own with scale_each). Generators ending in Tanh want {-1, 1}.
    bool normalize = false;
    std::optional<ValueRange> value_range{};  ///< the range to normalise from; none: the data's own
    bool scale_each = false;  ///< without value_range: each image from its own min and max
    /// torchvision turns 1-channel images into RGB; false keeps them a grayscale PNG (the same
    /// gray levels, a third of the size).
    bool gray_as_rgb = true;
};

/// A batch of `count` images (channels, height, width), row-major, in host memory.
struct HostImages {
    std::span<const float> values;  ///< count * channels * height * width values
    /// @name Dimensions
    ///@{

    /// How many images, and each one's channels, height and width.
    index_t count = 0, channels = 0, height = 0, width = 0;
    ///@}
};

/// make_grid's result: a (channels, height, width) image with values meant for [0, 1].
struct Grid {
    /// @name Dimensions
    ///@{

    /// The grid image's channels, height and width in pixels.
    index_t channels = 0, height = 0, width = 0;
    ///@}
    std::vector<float> values{};  ///< channels * height * width values, row-major
};

namespace detail {
inline void normalize_range(std::span<float> v, float low, float high) {
    // torchvision: clamp_(low, high).sub_(low).div_(max(high - low, 1e-5)), in float
    const float scale = static_cast<float>(std::max(static_cast<double>(high) - low, 1e-5));
    for (float& x : v) x = (std::clamp(x, low, high) - low) / scale;
}
inline void normalize_minmax(std::span<float> v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    normalize_range(v, *lo, *hi);
}
}  // namespace detail

/// torchvision.utils.make_grid: min(nrow, count) columns, ceil(count / columns) rows, `padding`
/// pixels of pad_value around every cell; a single image comes back unpadded, as there.
inline Grid make_grid(const HostImages& images, const GridOptions& opt = {}) {
    const index_t n = images.count, c = images.channels, h = images.height, w = images.width;
    if (n == 0 || h == 0 || w == 0)
        throw std::invalid_argument("ctnn::viz::make_grid: empty batch or image");
    if (c != 1 && c != 3)
        throw std::invalid_argument("ctnn::viz::make_grid: images need 1 or 3 channels, not " +
                                    std::to_string(c));
    if (images.values.size() != n * c * h * w)
        throw std::invalid_argument("ctnn::viz::make_grid: " + std::to_string(images.values.size()) +
                                    " values for " + std::to_string(n) + " images of " +
                                    std::to_string(c) + "x" + std::to_string(h) + "x" +
                                    std::to_string(w));
    if (opt.nrow == 0) throw std::invalid_argument("ctnn::viz::make_grid: nrow must be positive");
    if (opt.value_range && !opt.normalize)
        // torchvision silently ignores it then; here that mistake is an error.
        throw std::invalid_argument("ctnn::viz::make_grid: value_range needs normalize = true");
    if (opt.value_range && !(opt.value_range->low < opt.value_range->high))
        throw std::invalid_argument("ctnn::viz::make_grid: value_range needs low < high");

    std::vector<float> v(images.values.begin(), images.values.end());
    if (opt.normalize) {
        const index_t groups = opt.scale_each ? n : 1;
        for (index_t i = 0; i < groups; ++i) {
            std::span<float> g(v.data() + i * (v.size() / groups), v.size() / groups);
            if (opt.value_range) detail::normalize_range(g, opt.value_range->low, opt.value_range->high);
            else detail::normalize_minmax(g);
        }
    }
    const index_t out_c = (c == 1 && opt.gray_as_rgb) ? 3 : c;
    if (n == 1) {
        Grid g{out_c, h, w, {}};
        for (index_t ch = 0; ch < out_c; ++ch)
            g.values.insert(g.values.end(), v.begin() + (ch % c) * h * w, v.begin() + (ch % c + 1) * h * w);
        return g;
    }
    const index_t cols = std::min(opt.nrow, n), rows = (n + cols - 1) / cols;
    const index_t p = opt.padding, cell_h = h + p, cell_w = w + p;
    Grid g{out_c, cell_h * rows + p, cell_w * cols + p, {}};
    g.values.assign(out_c * g.height * g.width, opt.pad_value);
    for (index_t k = 0; k < n; ++k) {
        const index_t y0 = (k / cols) * cell_h + p, x0 = (k % cols) * cell_w + p;
        for (index_t ch = 0; ch < out_c; ++ch)
            for (index_t y = 0; y < h; ++y)
                std::copy_n(v.begin() + ((k * c + ch % c) * h + y) * w, w,
                            g.values.begin() + (ch * g.height + y0 + y) * g.width + x0);
    }
    return g;
}

/// save_image's quantisation: x * 255 + 0.5, clamped to [0, 255], truncated; interleaved (HWC).
inline std::vector<std::uint8_t> to_pixels(const Grid& g) {
    const index_t hw = g.height * g.width;
    std::vector<std::uint8_t> out(g.values.size());
    for (index_t ch = 0; ch < g.channels; ++ch)
        for (index_t i = 0; i < hw; ++i) {
            // Rounded to float after each operation as PyTorch does: via double, because a fused
            // multiply-add (-ffp-contract=fast) would skip the first rounding.
            const float scaled = static_cast<float>(static_cast<double>(g.values[ch * hw + i]) * 255.0);
            const float shifted = static_cast<float>(static_cast<double>(scaled) + 0.5);
            out[i * g.channels + ch] = static_cast<std::uint8_t>(std::clamp(shifted, 0.0f, 255.0f));
        }
    return out;
}

/// PNG bytes of an interleaved 8-bit image with 1 (gray) or 3 (RGB) channels.
inline std::vector<std::uint8_t> encode_png(std::span<const std::uint8_t> pixels, index_t width,
                                            index_t height, index_t channels) {
    if (pixels.size() != width * height * channels)
        throw std::invalid_argument("ctnn::viz::encode_png: pixel count does not match the size");
    std::vector<std::uint8_t> png;
    const auto append = [](void* ctx, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(ctx);
        out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    const int w = static_cast<int>(width), h = static_cast<int>(height), c = static_cast<int>(channels);
    if (!stbi_write_png_to_func(append, &png, w, h, c, pixels.data(), w * c))
        throw std::runtime_error("ctnn::viz::encode_png: stb_image_write failed");
    return png;
}

/// Writes PNG bytes to `path` atomically; throws io::IoError naming the path.
inline void write_png_file(const std::filesystem::path& path, std::span<const std::uint8_t> png) {
    io::write_atomically(path, [&](std::FILE* f) { io::write_bytes(f, png.data(), png.size(), path.string()); });
}

/// torchvision.utils.save_image: make_grid, quantise, write a PNG (atomically).
inline void save_image(const std::filesystem::path& path, const HostImages& images,
                       const GridOptions& opt = {}) {
    const Grid g = make_grid(images, opt);
    write_png_file(path, encode_png(to_pixels(g), g.width, g.height, g.channels));
}

/// save_image for a batch of (C, H, W) samples on any device (copied to the host first).
template <ImageShape S, class Dev, class T>
void save_image(const std::filesystem::path& path, const Tensor<S, Dev, T>& images,
                const GridOptions& opt = {}) {
    const auto host = images.to_host();
    const std::vector<float> values(host.begin(), host.end());
    save_image(path, HostImages{values, images.batch(), S::dims[0], S::dims[1], S::dims[2]}, opt);
}

}  // namespace ctnn::viz
