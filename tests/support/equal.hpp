// Whole-container equality as one Boost.Test assertion.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <iomanip>
#include <limits>

namespace ctnn::test {

/// a == b element for element (NaN equals nothing), reported as one assertion that names the sizes
/// or the first element that differs. per_element() records an assertion per element, which for a
/// network's millions of parameters takes seconds.
template <class A, class B>
boost::test_tools::assertion_result same_elements(const A& a, const B& b) {
    boost::test_tools::assertion_result result(true);
    if (a.size() != b.size()) {
        result = false;
        result.message() << "sizes differ: " << a.size() << " and " << b.size();
        return result;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(a[i] == b[i])) {
            result = false;
            result.message() << "element " << i << " differs: " << std::setprecision(std::numeric_limits<double>::max_digits10)
                             << a[i] << " and " << b[i];
            return result;
        }
    }
    return result;
}

}  // namespace ctnn::test
