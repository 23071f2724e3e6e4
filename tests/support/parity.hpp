// Comparing one computation on two devices: element-wise within tol * (1 + |a|).
#pragma once

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace ctnn::test {

template <class T>
void expect_same_on_devices(const std::string& what, const std::vector<T>& cpu, const std::vector<T>& other,
                            double tol) {
    BOOST_REQUIRE_EQUAL(cpu.size(), other.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < cpu.size(); ++i)
        if (!(std::abs(cpu[i] - other[i]) <= tol * (1 + std::abs(cpu[i]))) && ++bad <= 3)
            BOOST_ERROR(what << "[" << i << "]: cpu " << cpu[i] << ", thrust " << other[i]);
    BOOST_TEST_MESSAGE(what << ": " << cpu.size() << " values compared");
}

}  // namespace ctnn::test
