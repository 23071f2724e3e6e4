// The layer table from the type alone, against the lab slides' tables (seed 001).
#define BOOST_TEST_MODULE summary
#include <boost/test/unit_test.hpp>

#include <ctnn/models/seeds.hpp>
#include <ctnn/network/summary.hpp>

using namespace ctnn;
using namespace ctnn::models;

// Computed by the compiler: rows of the lab's DCGAN generator table.
constexpr auto g_rows = summary_rows<Dcgan64Generator>();
static_assert(g_rows.size() == 14);
static_assert(g_rows[0].type == "ConvTranspose2d" && g_rows[0].params == 819'200);
static_assert(g_rows[0].rank == 3 && g_rows[0].dims[0] == 512 && g_rows[0].dims[1] == 4);
static_assert(g_rows[1].type == "BatchNorm2d" && g_rows[1].params == 1'024);
static_assert(g_rows[12].params == 3'072 && g_rows[12].dims[0] == 3 && g_rows[12].dims[2] == 64);
static_assert(g_rows[13].type == "Tanh");

// Nested Sequentials contribute their leaf layers.
using Nested = Sequential<Input<4>, Sequential<Linear<4, 8>, ReLU>, Linear<8, 1>>;
static_assert(summary_rows<Nested>().size() == 3);

BOOST_AUTO_TEST_CASE(lab_dcgan_tables) {
    // The slides' tables, row for row (layer, output shape, parameter count).
    const std::string g = summary<Dcgan64Generator>();
    for (const char* row : {"ConvTranspose2d-1", "[-1, 512, 4, 4]", "819,200", "BatchNorm2d-2",
                            "ReLU-3", "ConvTranspose2d-4", "[-1, 256, 8, 8]", "2,097,152",
                            "BatchNorm2d-11", "[-1, 64, 32, 32]", "ConvTranspose2d-13",
                            "[-1, 3, 64, 64]", "Tanh-14", "Total params: 3,576,704"})
        BOOST_TEST(g.find(row) != std::string::npos, "generator table lacks " << row << ":\n" << g);
    const std::string d = summary<Dcgan64Discriminator>();
    for (const char* row : {"Conv2d-1", "[-1, 64, 32, 32]", "3,072", "LeakyReLU-2", "Conv2d-12",
                            "[-1, 1, 1, 1]", "8,192", "Sigmoid-13", "Flatten-14", "[-1, 1]",
                            "Total params: 2,765,568"})
        BOOST_TEST(d.find(row) != std::string::npos, "discriminator table lacks " << row << ":\n" << d);
}

BOOST_AUTO_TEST_CASE(row_layout) {
    const std::string s = summary<Sequential<Input<2>, Linear<2, 3>>>();
    BOOST_TEST(s.find("Linear-1") != std::string::npos);
    BOOST_TEST(s.find("[-1, 3]") != std::string::npos);
    BOOST_TEST(s.find("Total params: 9") != std::string::npos);
    BOOST_TEST(s.find("Params size (MB): 0.00") != std::string::npos);
}
