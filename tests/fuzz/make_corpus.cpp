// Writes the fuzzers' seed corpus: valid files of each format, raw and gzip, into <dir>/idx,
// <dir>/cifar and <dir>/npy.
#include <iostream>

#include "support/data_files.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_corpus <dir>\n";
        return 2;
    }
    namespace fs = std::filesystem;
    using namespace ctnn::test;
    const fs::path dir = argv[1];
    for (const char* sub : {"idx", "cifar", "npy"}) fs::create_directories(dir / sub);
    const Bytes images = idx_images(3, 4, 3), labels = idx_labels(5), mnist = idx_images(1, 28, 28);
    write_file(dir / "idx" / "images", images);
    write_file(dir / "idx" / "images.gz", gzip(images));
    write_file(dir / "idx" / "labels", labels);
    write_file(dir / "idx" / "labels.gz", gzip(labels));
    write_file(dir / "idx" / "mnist.gz", gzip(mnist));
    write_file(dir / "cifar" / "one", cifar_file(1));
    write_file(dir / "cifar" / "two.gz", gzip(cifar_file(2)));
    write_file(dir / "npy" / "f4", npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(24, 0x3f)));
    write_file(dir / "npy" / "u1", npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }", {1, 2, 3, 4}));
    write_file(dir / "npy" / "f4.gz", gzip(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", Bytes(12, 0))));
    return 0;
}
