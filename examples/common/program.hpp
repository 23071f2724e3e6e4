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

#include <stdexcept>
#include <string>

#if defined(__CUDACC__)
#include <ctnn/device/cuda.hpp>
#endif

#include <ctnn/device/cpu.hpp>

#include "cli.hpp"
#include "run.hpp"

namespace examples {

/// Program::run<ctnn::Cuda>(), compiled by nvcc in the examples' CUDA unit.
template <class Program>
int run_on_cuda(Program& program)
#if defined(__CUDACC__)
{
    ctnn::require_cuda_gpu();
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
    return program.template run<ctnn::Cpu>();
}
#else
    ;
#endif

/// Parses the trainer's flags (RunOptions' and the Program's own) and runs it on --device.
template <class Program>
int example_main(int argc, char** argv) {
    Program program;
    return guarded_main(program.opt.name, [&] {
        Cli cli(program.opt.name, Program::summary);
        program.opt.add_flags(cli, Program::generative);
        program.add_flags(cli);
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        program.opt.settings = cli.values(RunOptions::control_flags());
        program.opt.settings.emplace_back("program", program.opt.name);
        const std::string& device = program.opt.device;
        if (device == "cpu") return run_on_cpu(program);
#if defined(CTNN_EXAMPLES_CUDA)
        if (device == "cuda") return run_on_cuda(program);
#endif
        throw std::invalid_argument("--device " + device + ": this build of the examples has no such device (" +
                                    unbuilt_device_reason(device) + ")");
    });
}

}  // namespace examples

#if defined(CTNN_EXAMPLE_CUDA_PART)
#define CTNN_EXAMPLE_PROGRAM(Program) template int examples::run_on_cuda<Program>(Program&);
#elif defined(CTNN_EXAMPLE_CPU_PART)
#define CTNN_EXAMPLE_PROGRAM(Program) template int examples::run_on_cpu<Program>(Program&);
#else
#define CTNN_EXAMPLE_PROGRAM(Program) \
    int main(int argc, char** argv) { return examples::example_main<Program>(argc, argv); }
#endif
