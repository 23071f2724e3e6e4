// The layer table of a network, from its type alone (torchsummary's format, as in the lab slides).
#pragma once

#include <cstdio>
#include <string>

#include "ctnn/network/sequential.hpp"

namespace ctnn {

/// The summary rows of network Net (a Sequential starting with Input), computed at compile time:
/// `static_assert(summary_rows<D>()[0].params == 3072)` holds for the lab's DCGAN discriminator.
template <class Net>
consteval auto summary_rows() {
    static_assert(Net::has_input, "ctnn: summary needs a network that starts with Input<...>");
    return Net::template rows<typename Net::input_shape>();
}

namespace detail {
inline std::string with_commas(index_t v) {
    const std::string digits = std::to_string(v);
    std::string s;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
        s += digits[i];
    }
    return s;
}
inline std::string pad_left(const std::string& s, std::size_t w) {
    return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}
}  // namespace detail

/// The table torchsummary prints: "Layer (type)", "Output Shape", "Param #", then totals, and the
/// memory the parameters take in Scalar.
template <class Net, class Scalar = float>
std::string summary() {
    constexpr auto rows = summary_rows<Net>();
    const std::string rule(64, '-');
    std::string out = rule + "\n" + detail::pad_left("Layer (type)", 20) +
                      detail::pad_left("Output Shape", 25) + detail::pad_left("Param #", 15) + "\n" +
                      std::string(64, '=') + "\n";
    index_t total = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        std::string shape = "[-1";
        for (index_t d = 0; d < r.rank; ++d) shape += ", " + std::to_string(r.dims[d]);
        shape += "]";
        out += detail::pad_left(std::string(r.type) + "-" + std::to_string(i + 1), 20) +
               detail::pad_left(shape, 25) + detail::pad_left(detail::with_commas(r.params), 15) +
               "\n";
        total += r.params;
    }
    char mb[32];
    std::snprintf(mb, sizeof mb, "%.2f", static_cast<double>(total * sizeof(Scalar)) / (1024.0 * 1024.0));
    out += std::string(64, '=') + "\nTotal params: " + detail::with_commas(total) +
           "\nTrainable params: " + detail::with_commas(total) +
           "\nNon-trainable params: 0\n" + rule + "\nParams size (MB): " + mb + "\n" + rule + "\n";
    return out;
}

}  // namespace ctnn
