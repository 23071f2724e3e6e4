// One trainer, every device: a trainer is a Program (its flags, and `template <class Dev> int
// run()`), and --device picks the instantiation. The Cpu one is compiled with the trainer's
// main(); the Cuda ones come from units CMake generates, compiled by nvcc, that include the
// trainers' sources with CTNN_EXAMPLE_CUDA_PART defined (several trainers per unit: parsing
// Thrust, cuBLAS and Eigen costs nvcc as much as a trainer does). Quick builds (CMake's
// CTNN_QUICK_BUILD, the test suite's) compile the Cpu ones that way too, with
// CTNN_EXAMPLE_CPU_PART: the trainers share most of what they instantiate (the training loop,
// loaders, metrics, checkpoints), and three trainers took 34 s in one unit against 81 s apart.
//
// A trainer's source ends with CTNN_EXAMPLE_PROGRAM(its Program type).
#pragma once

#include <iostream>
#include <stdexcept>
#include <string>

#if defined(__CUDACC__)
#include <ctnn/device/cuda.hpp>
#if defined(CTNN_EXAMPLES_NCCL)
#include <ctnn/distributed/nccl.hpp>
#endif
#endif

#include <ctnn/device/bf16.hpp>
#include <ctnn/device/cpu.hpp>

#include "cli.hpp"
#include "run.hpp"
#include "world.hpp"

namespace examples {

#if defined(__CUDACC__) && defined(CTNN_EXAMPLES_NCCL)
/// The communicator of a rank of several on GPUs, one GPU each: NCCL for device memory (the
/// gradients), the MPI world for host values (the losses, the agreement to stop).
class NcclRanks {
public:
    NcclRanks(ctnn::distributed::Nccl nccl, ctnn::distributed::AnyCommunicator host)
        : nccl_(std::move(nccl)), host_(std::move(host)) {}
    int rank() const { return host_.rank(); }
    int size() const { return host_.size(); }
    template <class T>
    void mean(T* p, ctnn::index_t n) {
        cudaPointerAttributes where{};
        if (cudaPointerGetAttributes(&where, p) == cudaSuccess && where.type == cudaMemoryTypeDevice)
            nccl_.mean(p, n);
        else
            host_.mean(p, n);
    }

private:
    ctnn::distributed::Nccl nccl_;
    ctnn::distributed::AnyCommunicator host_;
};
#endif

/// Program::run<ctnn::Cuda>(), compiled by nvcc in the examples' CUDA unit. Under mpirun each rank
/// takes the GPU of its local rank (modulo the GPUs it sees) and the ranks meet over NCCL.
template <class Program>
int run_on_cuda(Program& program, const World& world)
#if defined(__CUDACC__)
{
    const auto& comm = world.comm();
    if (int gpus = 0; comm.size() > 1 && cudaGetDeviceCount(&gpus) == cudaSuccess && gpus > 0)
        ctnn::CudaSystem::check(cudaSetDevice(launched_local_rank() % gpus), "cudaSetDevice");
    ctnn::require_cuda_gpu();
    if (comm.size() > 1) {
#if defined(CTNN_EXAMPLES_NCCL)
        ncclUniqueId id{};
        if (comm.rank() == 0) id = ctnn::distributed::Nccl::unique_id();
        world.broadcast(&id, sizeof id);
        program.opt.comm = NcclRanks(ctnn::distributed::Nccl(id, comm.rank(), comm.size()), comm);
#else
        throw std::invalid_argument("--device cuda under mpirun needs NCCL, which CMake did not find in the CUDA toolkit");
#endif
    }
    return program.template run<ctnn::Cuda>();
}
#else
    ;
#endif

/// Program::run<ctnn::Cpu>(): with the trainer's main(), or in its group's unit (CTNN_EXAMPLES_GROUPED).
template <class Program>
int run_on_cpu(Program& program)
#if !defined(CTNN_EXAMPLES_GROUPED) || defined(CTNN_EXAMPLE_CPU_PART)
{
    const ctnn::FlushDenormals flush(!program.opt.keep_denormals);
#if defined(CTNN_EXAMPLES_BF16)
    if (program.opt.precision == "bf16") {
        // Said at the start: where the CPU or the build lacks the bf16 kernels, the numbers are the
        // same but the run is no faster than fp32.
        if (program.opt.writes())
            std::cerr << program.opt.name << ": --precision bf16: " << ctnn::detail::bf16_gemm_kernels() << "\n";
        return program.template run<ctnn::Bf16Mixed<ctnn::Cpu>>();
    }
#endif
    if (program.opt.precision != "fp32")
        throw std::invalid_argument("--precision " + program.opt.precision +
                                    ": this build of the examples has fp32 only (CMake option CTNN_EXAMPLES_BF16)");
    return program.template run<ctnn::Cpu>();
}
#else
    ;
#endif

/// Parses the trainer's flags (RunOptions' and the Program's own) and runs it on --device, as one
/// process or, under mpirun, as one rank of a data-parallel run (World).
template <class Program>
int example_main(int argc, char** argv) {
    Program program;
    return guarded_main(program.opt.name, [&] {
        World world(argc, argv);
        program.opt.comm = world.comm();
        // The run's last copy of the communicator goes before the world (MPI_Finalize), on every
        // rank at the same point, also when Interrupted leaves: Mpi frees its shared-memory
        // window there, a collective.
        struct Release {
            RunOptions& opt;
            ~Release() { opt.comm = {}; }
        } release{program.opt};
        return world.run([&] {
            Cli cli(program.opt.name, Program::summary);
            cli.prints(program.opt.writes());
            program.opt.add_flags(cli, Program::generative);
            program.add_flags(cli);
            if (int code = 0; !cli.parse(argc, argv, code)) return code;
            program.opt.settings = cli.values(RunOptions::control_flags());
            if (!program.opt.batch_splits()) return 2;
            program.opt.settings.emplace_back("program", program.opt.name);
            const std::string& device = program.opt.device;
            if (device == "cpu") return run_on_cpu(program);
#if defined(CTNN_EXAMPLES_CUDA)
            if (device == "cuda" && program.opt.precision != "fp32")
                throw std::invalid_argument("--precision " + program.opt.precision +
                                            " --device cuda: the trainers run bf16 on the cpu only (the library's "
                                            "Bf16Mixed<Cuda> is not instantiated in them)");
            if (device == "cuda") return run_on_cuda(program, world);
#endif
            throw std::invalid_argument("--device " + device + ": this build of the examples has no such device (" +
                                        unbuilt_device_reason(device) + ")");
        });
    });
}

}  // namespace examples

#if defined(CTNN_EXAMPLE_CUDA_PART)
#define CTNN_EXAMPLE_PROGRAM(Program) template int examples::run_on_cuda<Program>(Program&, const examples::World&);
#elif defined(CTNN_EXAMPLE_CPU_PART)
#define CTNN_EXAMPLE_PROGRAM(Program) template int examples::run_on_cpu<Program>(Program&);
#else
#define CTNN_EXAMPLE_PROGRAM(Program) \
    int main(int argc, char** argv) { return examples::example_main<Program>(argc, argv); }
#endif
