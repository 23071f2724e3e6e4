"""PyTorch twins of bench_models' workloads, and the driver that times both in alternation.

    torch_twins.py serve MODEL [--threads N]
        the twin worker: same models, shapes, batch, optimizers, losses and protocol as
        `bench_models --serve MODEL` (warmup SECONDS / window N / quit on stdin, one JSON line
        each on stdout)
    torch_twins.py compare --ctnn PATH [options]
        runs both workers model by model, alternating their timing windows, and writes the table
        (benchmarks/README.md explains the method)

Run it with Debian's /usr/bin/python3 (python3-torch); benchmarks/compare.sh does.
"""

import argparse
import contextlib
import csv
import ctypes
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MODELS = ["swissroll_gan", "mlp_gan", "lsgan", "dcgan", "vae", "classifier", "dcgan64"]
GEMM = "gemm1024"  # the reference rate for gemm_fraction, timed like a model
GEMM_SIZE = 1024
OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
BLAS_ALTERNATIVE = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"
# PyTorch allocates and frees its activations and gradients every step. glibc's default malloc
# serves large blocks with mmap and unmaps them on free, so every step faults them in again (2-3x
# slower here); these keep them in the heap. ctnn allocates nothing in a step: only torch gains.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"
CSV_COLUMNS = ["model", "precision", "torch_precision", "batch", "threads", "ctnn_samples_per_s", "torch_samples_per_s", "ratio", "ctnn_gflops",
               "gemm_fraction", "torch_gemm_fraction", "ratio_ceiling", "ctnn_blas_share", "torch_blas_share",
               "ctnn_peak_mb", "torch_peak_mb",
               "ctnn_spread_pct", "torch_spread_pct", "best_gemm_gflops", "windows", "reruns", "loaded_windows",
               "openblas_core"]


# ---- the twins: nn.Sequential in ctnn's layer order (include/ctnn/models/seeds.hpp) --------------

def swissroll_generator():
    return nn.Sequential(nn.Linear(2, 256), nn.LeakyReLU(0.2), nn.Linear(256, 256), nn.LeakyReLU(0.2),
                         nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Linear(256, 2), nn.Tanh())


def swissroll_discriminator():
    return nn.Sequential(nn.Linear(2, 256), nn.LeakyReLU(0.2), nn.Linear(256, 256), nn.LeakyReLU(0.2),
                         nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())


def mlp_generator():
    return nn.Sequential(nn.Linear(10, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 784),
                         nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def mlp_discriminator():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.LeakyReLU(0.01), nn.Linear(256, 256),
                         nn.LeakyReLU(0.01), nn.Linear(256, 1))


def dcgan_generator():
    return nn.Sequential(nn.Linear(10, 1024), nn.ReLU(), nn.BatchNorm1d(1024),
                         nn.Linear(1024, 7 * 7 * 128), nn.ReLU(), nn.BatchNorm1d(7 * 7 * 128),
                         nn.Unflatten(1, (128, 7, 7)),
                         nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.BatchNorm2d(64),
                         nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())


def dcgan_discriminator():
    return nn.Sequential(nn.Conv2d(1, 32, 5), nn.LeakyReLU(0.01), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 5), nn.LeakyReLU(0.01), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(1024, 1024), nn.LeakyReLU(0.01), nn.Linear(1024, 1))


def dcgan64_generator():
    layers = []
    for cin, cout, stride, pad in [(100, 512, 1, 0), (512, 256, 2, 1), (256, 128, 2, 1), (128, 64, 2, 1)]:
        layers += [nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*layers, nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh())


def dcgan64_discriminator():
    return nn.Sequential(nn.Conv2d(3, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
                         nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
                         nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
                         nn.Conv2d(256, 512, 4, 2, 1, bias=False), nn.BatchNorm2d(512), nn.LeakyReLU(0.2),
                         nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Sigmoid(), nn.Flatten())


def lab_generator():
    return nn.Sequential(nn.Linear(100, 128), nn.LeakyReLU(), nn.Linear(128, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def lab_discriminator():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.LeakyReLU(), nn.Linear(128, 1), nn.Sigmoid())


def bn_generator():
    layers = []
    for cin, cout in [(128, 256), (256, 512), (512, 1024)]:
        layers += [nn.Linear(cin, cout), nn.BatchNorm1d(cout), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def dropout_discriminator():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())


def cifar_mlp_generator(shape=(1, 28, 28)):
    return nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2),
                         nn.Linear(512, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, math.prod(shape)), nn.Tanh(),
                         nn.Unflatten(1, shape))


def cifar_mlp_discriminator(shape=(1, 28, 28)):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                         nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(256, 1), nn.Sigmoid())


VAE_Z = 20


def vae_encoder():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 2 * VAE_Z))


def vae_decoder():
    return nn.Sequential(nn.Linear(VAE_Z, 400), nn.ReLU(), nn.Linear(400, 600), nn.ReLU(), nn.Linear(600, 800),
                         nn.ReLU(), nn.Linear(800, 784), nn.Unflatten(1, (1, 28, 28)))


def classifier_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(512, 10))


def dcgan_init(module):
    """The DCGAN paper's N(0, 0.02), ctnn's Init::dcgan."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


LOSSES = {
    "bce": F.binary_cross_entropy,
    "bce_with_logits": F.binary_cross_entropy_with_logits,
    "least_squares": lambda s, y: 0.5 * ((s - y) ** 2).mean(),
}


# The forward passes' context: none (fp32), or bf16 autocast (`serve --precision autocast-bf16`):
# PyTorch 1.13 runs mm/addmm/linear/conv in bf16 there and keeps conv_transpose and batch_norm
# in fp32; backward passes and optimizer steps run outside it, as PyTorch's AMP recipe says.
AMP = {"fp32": contextlib.nullcontext, "autocast-bf16": lambda: torch.cpu.amp.autocast(dtype=torch.bfloat16)}
amp = AMP["fp32"]


def gan_step(generator, discriminator, loss, noise, real, lr):
    """ctnn's Gan::step: one D step on a real batch and G(z) (no gradient into G), then one G step
    through D with D's parameters frozen (no weight gradients for D, as ctnn's backward_frozen)."""
    criterion = LOSSES[loss]
    g_opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    ones = torch.ones(real.shape[0], 1)
    zeros = torch.zeros(real.shape[0], 1)
    d_params = list(discriminator.parameters())

    def step():
        with torch.no_grad(), amp():
            fake = generator(noise())
        d_opt.zero_grad(set_to_none=True)
        with amp():
            d_loss = criterion(discriminator(real), ones) + criterion(discriminator(fake), zeros)
        d_loss.backward()
        d_opt.step()
        for p in d_params:
            p.requires_grad_(False)
        with amp():
            g_loss = criterion(discriminator(generator(noise())), ones)
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        for p in d_params:
            p.requires_grad_(True)
        return d_loss.item(), g_loss.item()  # ctnn checks both for its divergence guard

    return step


def vae_step(batch):
    """ctnn's Vae::step: z = mu + eps exp(log_var / 2), BCE with logits summed per image plus the
    Gaussian KL, both batch means; one Adam over both networks (the same update as ctnn's two)."""
    z_dim = VAE_Z
    encoder, decoder = vae_encoder(), vae_decoder()
    opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-3)
    target = torch.rand(batch, 1, 28, 28)
    x = 2 * target - 1

    def step():
        with amp():
            stats = encoder(x)
            mu, log_var = stats[:, :z_dim], stats[:, z_dim:]
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
            logits = decoder(z)
            reconstruction = F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(dim=(1, 2, 3)).mean()
            kl = (-0.5 * (1 + log_var - mu ** 2 - log_var.exp()).sum(dim=1)).mean()
            loss = reconstruction + kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def classifier_step(batch):
    """train_classifier's step: RMSprop lr 1e-3 alpha 0.9, cross-entropy, Dropout in train mode."""
    net = classifier_net()
    opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        net.train()
        with amp():
            loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def gemm_step():
    a, b = torch.rand(GEMM_SIZE, GEMM_SIZE) * 2 - 1, torch.rand(GEMM_SIZE, GEMM_SIZE) * 2 - 1
    c = torch.empty(GEMM_SIZE, GEMM_SIZE)
    return lambda: torch.mm(a, b, out=c)


def uniform_noise(*shape):
    return lambda: torch.rand(*shape) * 2 - 1  # seed 003's sample_noise


def make_workload(model):
    """(batch, step) of `model`, as bench_models builds it."""
    torch.manual_seed(1)
    if model == "swissroll_gan":
        return 128, gan_step(swissroll_generator(), swissroll_discriminator(), "bce", lambda: torch.randn(128, 2),
                             torch.rand(128, 2) * 2 - 1, 2e-4)
    if model in ("mlp_gan", "lsgan"):
        return 128, gan_step(mlp_generator(), mlp_discriminator(),
                             "bce_with_logits" if model == "mlp_gan" else "least_squares", uniform_noise(128, 10),
                             torch.rand(128, 1, 28, 28) * 2 - 1, 1e-3)
    if model == "dcgan":
        return 128, gan_step(dcgan_generator(), dcgan_discriminator(), "bce_with_logits", uniform_noise(128, 10),
                             torch.rand(128, 1, 28, 28) * 2 - 1, 1e-3)
    if model == "dcgan64":
        g, d = dcgan64_generator(), dcgan64_discriminator()
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        return 64, gan_step(g, d, "bce", lambda: torch.randn(64, 100, 1, 1), torch.rand(64, 3, 64, 64) * 2 - 1, 2e-4)
    if model == "vae":
        return 128, vae_step(128)
    if model == "classifier":
        return 128, classifier_step(128)
    if model == GEMM:
        return 1, gemm_step()
    raise SystemExit(f"torch_twins.py: unknown model '{model}'; the models are: {' '.join(MODELS + [GEMM])}")


# ---- what ran: BLAS library, the products' ATen operators, oneDNN's primitives ----------------------

def blas_report():
    loaded = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.split()[-1]})
    report = {"libblas.so.3 alternative": os.path.realpath(BLAS_ALTERNATIVE), "loaded": loaded}
    config = torch.__config__.show()
    blas_info = next(f for f in config.replace(",", " ").split() if f.startswith("BLAS_INFO="))
    capability = next(line.strip(" -") for line in config.splitlines() if "CPU capability" in line)
    report["torch"] = f"{blas_info}, {capability}"
    for path in loaded:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_config"):
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            report["openblas_core"] = lib.openblas_get_corename().decode()
            report["openblas"] = f"{lib.openblas_get_config().decode()} (core {report['openblas_core']})"
            break
    return report


def captured_stdout(fn):
    """Runs fn with file descriptor 1 sent to a file (oneDNN's verbose lines are C printf output,
    which would break the JSON protocol) and returns what was written."""
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as f:
        os.dup2(f.fileno(), 1)
        try:
            fn()
        finally:
            libc.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
        f.seek(0)
        return f.read().decode(errors="replace")


def kernels_report(step):
    """One step under the profiler and oneDNN's verbose mode: which operators ran the products
    (aten::addmm / mm go to BLAS sgemm; mkldnn_convolution to oneDNN; slow_conv* to im2col + BLAS)."""
    def verbose_step():
        with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
            step()

    with torch.autograd.profiler.profile() as prof:
        text = captured_stdout(verbose_step)
    products = ("mm", "conv", "linear", "matmul")
    wrappers = {"aten::linear", "aten::matmul", "aten::conv2d", "aten::conv_transpose2d", "aten::convolution",
                "aten::_convolution"}  # they only dispatch to the operators below them
    ops = sorted({e.name for e in prof.function_events
                  if e.name.startswith("aten::") and any(p in e.name for p in products) and e.name not in wrappers})
    onednn = set()
    for line in text.splitlines():
        f = line.split(",")
        if len(f) > 5 and f[0] == "onednn_verbose" and f[1] == "exec" and f[3] != "reorder":
            onednn.add(f"{f[3]} {f[5]}: {f[4]}")
    return {"aten_products": ops, "onednn": sorted(onednn)}


# ---- the worker ------------------------------------------------------------------------------------

def read_ticks():
    """(busy, total) CPU ticks of the whole machine, as bench_models reads them."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def own_ticks():
    t = os.times()  # this process's threads, in seconds
    return round((t.user + t.system) * os.sysconf("SC_CLK_TCK"))


def peak_rss_mb():
    """VmHWM, as bench_models reports it (ru_maxrss would keep the forking driver's peak)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def reply(obj):
    print(json.dumps(obj), flush=True)


def blas_timer():
    """compare.sh's BLAS timer (benchmarks/blas_timer.cpp) when it is preloaded: a function giving
    the seconds spent inside GEMM calls so far; None without it."""
    try:
        seconds = ctypes.CDLL(None).ctnn_blas_timer_seconds
    except AttributeError:
        return None
    seconds.restype = ctypes.c_double
    return seconds


def serve(model, threads, precision="fp32"):
    global amp
    amp = AMP[precision]
    timer = blas_timer()
    torch.set_num_threads(threads)
    # Denormals as zero, as ctnn's trainers compute (ctnn::FlushDenormals); the MLP GAN's twin ran
    # 1.25-1.6x faster so on the Xeon of docs/benchmarks.md.
    flush = torch.set_flush_denormal(True)
    batch, step = make_workload(model)
    reply({"event": "hello", "side": "torch", "model": model, "precision": precision, "batch": batch,
           "threads": torch.get_num_threads(),
           "torch": torch.__version__, "blas": blas_report(), "kernels": kernels_report(step),
           "flush_denormals": flush})
    for line in sys.stdin:
        command = line.split()
        if command[:1] == ["warmup"] and len(command) == 2:
            start = time.perf_counter()
            step()  # the first step allocates: time only the ones after it
            timed, n = time.perf_counter(), 0
            while n < 2 or time.perf_counter() - start < float(command[1]):
                step()
                n += 1
            reply({"event": "warmup", "iterations": n + 1, "seconds_per_iteration": (time.perf_counter() - timed) / n})
        elif command[:1] == ["window"] and len(command) == 2 and int(command[1]) > 0:
            busy0, total0 = read_ticks()
            own0 = own_ticks()
            blas0 = timer() if timer else None
            start = time.perf_counter()
            for _ in range(int(command[1])):
                step()
            seconds = time.perf_counter() - start
            busy1, total1 = read_ticks()
            window = {"event": "window", "iterations": int(command[1]), "seconds": seconds,
                      "busy_ticks": busy1 - busy0, "total_ticks": total1 - total0, "own_ticks": own_ticks() - own0}
            if timer:
                window["blas_seconds"] = timer() - blas0
            reply(window)
        elif command == ["quit"]:
            reply({"event": "bye", "peak_rss_mb": peak_rss_mb()})
            return
        else:
            raise SystemExit(f"torch_twins.py: unknown command {line.strip()!r} (warmup SECONDS, window N, quit)")
    raise SystemExit("torch_twins.py: stdin closed before quit")


# ---- the driver ------------------------------------------------------------------------------------

class Worker:
    """One side's process for one model, spoken to line by line."""

    def __init__(self, side, model, command, env):
        self.side, self.model = side, model
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        self.hello = self.read("hello")

    def read(self, event):
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise SystemExit(f"compare: the {self.side} worker for {self.model} exited with code {code} "
                             f"(its error is printed above)")
        answer = json.loads(line)
        if answer.get("event") != event:
            raise SystemExit(f"compare: the {self.side} worker for {self.model} answered {line.strip()!r}, "
                             f"expected a {event!r} line")
        return answer

    def ask(self, command, event):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read(event)

    def close(self):
        bye = self.ask("quit", "bye")
        self.proc.wait()
        return bye["peak_rss_mb"]


def foreign_cores(busy, total, own):
    """Cores' worth of CPU time other processes used over an interval of `total` ticks."""
    return max(0, busy - own) / total * os.cpu_count() if total > 0 else 0.0


class Quiet:
    """Waits for the machine to be idle before a window, and judges the window afterwards."""

    def __init__(self, max_foreign, max_wait, probe_seconds=0.3):
        self.max_foreign, self.max_wait, self.probe = max_foreign, max_wait, probe_seconds

    def load_now(self):
        busy0, total0 = read_ticks()
        time.sleep(self.probe)  # the driver sleeps, so everything busy is foreign
        busy1, total1 = read_ticks()
        return foreign_cores(busy1 - busy0, total1 - total0, 0)

    def wait(self, deadline):
        """Returns once the machine is quiet, or when `deadline` has passed."""
        start = reported = time.monotonic()
        while True:
            load = self.load_now()
            if load <= self.max_foreign or time.monotonic() > deadline:
                if reported > start:
                    print(f"    waited {time.monotonic() - start:.0f} s for other processes", flush=True)
                return
            if time.monotonic() - reported >= 10 or reported == start:
                print(f"    waiting: other processes use {load:.2f} cores", flush=True)
                reported = time.monotonic()
            time.sleep(1.0)


def timed_window(worker, iterations, quiet, stats):
    """One kept window's samples per second. A window under foreign load (before or during) is
    discarded and run again, until max_wait has passed: then it is kept and counted as loaded."""
    deadline = time.monotonic() + quiet.max_wait
    while True:
        quiet.wait(deadline)
        w = worker.ask(f"window {iterations}", "window")
        load = foreign_cores(w["busy_ticks"], w["total_ticks"], w["own_ticks"])
        rate = w["iterations"] * worker.hello["batch"] / w["seconds"]
        if load <= quiet.max_foreign:
            return rate
        if time.monotonic() > deadline:
            stats["loaded_windows"] += 1
            print(f"    {worker.side}: kept a window under load ({load:.2f} cores elsewhere) after waiting "
                  f"{quiet.max_wait:.0f} s", flush=True)
            return rate
        stats["reruns"] += 1
        print(f"    {worker.side}: discarded a window ({rate:.0f} samples/s, {load:.2f} cores elsewhere)", flush=True)


def summary(rates):
    median = statistics.median(rates)
    return median, 100 * (max(rates) - min(rates)) / median


# OpenBLAS kernel sets worth trying, with the CPU flags each needs (forcing one the CPU lacks would
# die of an illegal instruction).
OPENBLAS_CORES = [("SkylakeX", {"avx512f", "avx512bw", "avx512vl"}),
                  ("Cooperlake", {"avx512f", "avx512bw", "avx512vl", "avx512_bf16"}),
                  ("Zen", {"avx2", "fma"}), ("Haswell", {"avx2", "fma"})]


def blas_env(threads, core):
    """The environment of both sides' workers: OpenBLAS (OpenMP build) whatever libblas.so.3 points
    to, the machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed for these processes alone, and
    `core` forced in their place unless it is None (OpenBLAS's own CPU detection). ctnn calls
    OpenBLAS when built with CTNN_BLAS; an Eigen build loads no BLAS."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    env.setdefault("GLIBC_TUNABLES", MALLOC_TUNABLES)
    env = {k: v for k, v in env.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if core:
        env["OPENBLAS_CORETYPE"] = core
    env["LD_LIBRARY_PATH"] = ":".join(p for p in [OPENBLAS_DIR, env.get("LD_LIBRARY_PATH", "")] if p)
    return env


def cpu_flags():
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def best_openblas_core(args, quiet):
    """The fastest OpenBLAS kernel set on this CPU, by a 1024^3 GEMM in the twin: its own
    detection first (None), then each set the CPU can run. OpenBLAS 0.3.21 does not know every CPU
    (newer Xeons fall back to its SSE3 'Prescott' kernels, 5x slower than its AVX-512 ones), so
    the twin would not get its best configuration from detection alone."""
    flags = cpu_flags()
    candidates = [None] + [name for name, needs in OPENBLAS_CORES if needs <= flags]
    rates = {}
    for core in candidates:
        quiet.wait(time.monotonic() + quiet.max_wait)
        try:
            worker = Worker("torch", GEMM, [sys.executable, os.path.abspath(__file__), "serve", GEMM,
                                            "--threads", str(args.threads)], blas_env(args.threads, core))
            seconds = worker.ask("warmup 1", "warmup")["seconds_per_iteration"]
            worker.close()
        except SystemExit as failure:  # a forced set this CPU cannot run after all: leave it out
            if core is None:
                raise
            print(f"  OPENBLAS_CORETYPE={core}: left out ({failure})", flush=True)
            continue
        name = worker.hello["blas"].get("openblas_core", "no OpenBLAS")
        rates[core] = 2 * GEMM_SIZE ** 3 / seconds * 1e-9
        print(f"  OPENBLAS_CORETYPE={core or '(unset)'}: {name} kernels, {rates[core]:.0f} GFLOP/s", flush=True)
    best = max(rates, key=lambda c: rates[c])
    # Detection keeps its place unless a forced set is clearly (10%) faster: timing noise alone
    # should not override it.
    return None if rates[None] * 1.1 >= rates[best] else best


def round_order(workers, k):
    """The workers in the order of round k: which side goes first alternates between rounds, so
    that a slow drift in the machine favours neither."""
    return workers if k % 2 == 0 else workers[::-1]


# (ctnn's precision, PyTorch's) of each row: fp32 against fp32 for every model; for the models
# bench_models has a bf16 workload of (MODEL_bf16, ctnn's Bf16Mixed<Cpu>), bf16 against PyTorch's
# fp32 and against its bf16 autocast.
PAIRS = [("fp32", "fp32"), ("bf16", "fp32"), ("bf16", "autocast-bf16")]


def start_workers(model, args, env, precision="fp32", torch_precision="fp32"):
    ctnn_model = model if precision == "fp32" else f"{model}_{precision}"
    return [Worker("ctnn", model, [args.ctnn, "--serve", ctnn_model, "--threads", str(args.threads)], env),
            Worker("torch", model, [sys.executable, os.path.abspath(__file__), "serve", model,
                                    "--threads", str(args.threads), "--precision", torch_precision], env)]


def blas_shares(model, args, quiet, core, iterations, pair):
    """Which share of each side's step is spent inside BLAS GEMM calls: the median over
    --blas-windows alternating windows per side (of the timed windows' length) in fresh workers
    under the BLAS timer, none of them timed windows; None without --blas-timer. ctnn calls the
    BLAS from each of its threads (its share: thread-seconds in GEMM over threads x wall time);
    torch from one thread, each call on all of them (its share: seconds in GEMM over wall time). A
    ctnn step as long as torch's GEMM calls alone would reach 1 / torch's share."""
    if not args.blas_timer or pair != PAIRS[0]:  # the timer counts fp32 GEMMs only
        return None
    env = dict(blas_env(args.threads, core), LD_PRELOAD=os.path.abspath(args.blas_timer))
    workers = start_workers(model, args, env)
    for w in workers:
        quiet.wait(time.monotonic() + quiet.max_wait)
        w.ask(f"warmup {args.warmup_seconds}", "warmup")
    shares = {"ctnn": [], "torch": []}
    for k in range(args.blas_windows):
        for w in round_order(workers, k):
            quiet.wait(time.monotonic() + quiet.max_wait)
            window = w.ask(f"window {iterations[w.side]}", "window")
            if "blas_seconds" not in window:
                raise SystemExit(f"compare: the {w.side} worker did not load the BLAS timer {args.blas_timer}")
            callers = args.threads if w.side == "ctnn" else 1
            shares[w.side].append(window["blas_seconds"] / (callers * window["seconds"]))
    for w in workers:
        w.close()
    return {side: statistics.median(values) for side, values in shares.items()}


def compare_model(model, args, quiet, core, pair=PAIRS[0]):
    env = blas_env(args.threads, core)
    workers = start_workers(model, args, env, *pair)
    for w in workers:
        if w.hello["threads"] != args.threads:
            raise SystemExit(f"compare: the {w.side} worker runs {w.hello['threads']} threads, not {args.threads}")
    if workers[0].hello["batch"] != workers[1].hello["batch"]:
        raise SystemExit(f"compare: {model}'s batch differs between ctnn and torch")
    if workers[0].hello["flush_denormals"] != workers[1].hello["flush_denormals"]:
        raise SystemExit(f"compare: one side flushes denormals and the other does not: "
                         f"{workers[0].hello['flush_denormals']} / {workers[1].hello['flush_denormals']}")
    iterations = {}
    for w in workers:
        quiet.wait(time.monotonic() + quiet.max_wait)
        per_iteration = w.ask(f"warmup {args.warmup_seconds}", "warmup")["seconds_per_iteration"]
        iterations[w.side] = max(1, round(args.window_seconds / per_iteration))
    stats = {"reruns": 0, "loaded_windows": 0}
    rates = {"ctnn": [], "torch": []}
    for k in range(args.windows):
        for w in round_order(workers, k):
            rates[w.side].append(timed_window(w, iterations[w.side], quiet, stats))
        print(f"  {model} window {k + 1}/{args.windows}: ctnn {rates['ctnn'][-1]:.1f}, torch {rates['torch'][-1]:.1f} "
              f"samples/s", flush=True)
    peaks = {w.side: w.close() for w in workers}
    result = {"model": model, "precision": pair[0], "torch_precision": pair[1], "batch": workers[0].hello["batch"], "threads": args.threads, "stats": stats,
              "flops_per_sample": workers[0].hello["flops_per_iteration"] / workers[0].hello["batch"],
              "peak_mb": peaks, "hello": {w.side: w.hello for w in workers},
              "blas_share": blas_shares(model, args, quiet, core, iterations, pair) if model != GEMM else None}
    for side in rates:
        result[side] = summary(rates[side])
    return result


def print_kernels(gemm):
    print("GEMM kernels")
    print(f"  ctnn:  {gemm['hello']['ctnn']['kernels']}")
    blas = gemm["hello"]["torch"]["blas"]
    print(f"  torch: {gemm['hello']['torch']['torch']}, {blas['torch']}")
    print(f"         libblas.so.3 -> {blas['libblas.so.3 alternative']}; loaded: {', '.join(blas['loaded'])}")
    print(f"         {blas.get('openblas', 'OpenBLAS not loaded: torch runs its products on another BLAS')}")


def compare(args):
    models = args.models.split(",") if args.models else MODELS
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise SystemExit(f"compare: unknown models {unknown}; the models are: {' '.join(MODELS)}")
    quiet = Quiet(args.max_foreign, args.max_wait)
    print(f"{args.windows} windows of ~{args.window_seconds} s per side and model, {args.threads} threads; "
          f"windows with more than {args.max_foreign} cores busy elsewhere are run again; "
          f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', MALLOC_TUNABLES)}", flush=True)
    print("OpenBLAS kernels for both sides (1024^3 GEMM, 1 s each):", flush=True)
    core = best_openblas_core(args, quiet)
    print(f"  -> OPENBLAS_CORETYPE={core or '(unset: OpenBLAS detection)'}", flush=True)
    results = []
    ctnn_models = subprocess.run([args.ctnn, "--list"], check=True, capture_output=True, text=True).stdout.split()
    for model, pair in [(GEMM, PAIRS[0])] + [(m, p) for m in models for p in PAIRS
                                             if p[0] == "fp32" or f"{m}_{p[0]}" in ctnn_models]:
        print(f"{model} ({pair[0]} / {pair[1]}):", flush=True)
        results.append(compare_model(model, args, quiet, core, pair))
        if model != GEMM:
            kernels = results[-1]["hello"]["torch"]["kernels"]
            print(f"  torch ran {', '.join(kernels['aten_products'])}"
                  + (f"; oneDNN {'; '.join(kernels['onednn'])}" if kernels["onednn"] else ""), flush=True)
    gemm, rows = results[0], results[1:]
    ctnn_gemm, torch_gemm = gemm["ctnn"][0] * gemm["flops_per_sample"] * 1e-9, gemm["torch"][0] * gemm["flops_per_sample"] * 1e-9
    best = max(ctnn_gemm, torch_gemm)
    table = []
    for r in rows:
        (c, c_spread), (t, t_spread) = r["ctnn"], r["torch"]
        gflops, torch_gflops = c * r["flops_per_sample"] * 1e-9, t * r["flops_per_sample"] * 1e-9
        # The ratio ctnn would reach if all of its step were GEMMs at the 1024^3 rate: an upper
        # bound for any implementation of the same FLOPs on these kernels.
        table.append({"model": r["model"], "precision": r["precision"], "torch_precision": r["torch_precision"],
                      "batch": r["batch"], "threads": r["threads"],
                      "ctnn_samples_per_s": round(c, 1), "torch_samples_per_s": round(t, 1), "ratio": round(c / t, 3),
                      "ctnn_gflops": round(gflops, 2), "gemm_fraction": round(gflops / best, 3),
                      "torch_gemm_fraction": round(torch_gflops / best, 3), "ratio_ceiling": round(best / torch_gflops, 2),
                      "ctnn_blas_share": round(r["blas_share"]["ctnn"], 3) if r["blas_share"] else "",
                      "torch_blas_share": round(r["blas_share"]["torch"], 3) if r["blas_share"] else "",
                      "ctnn_peak_mb": round(r["peak_mb"]["ctnn"], 1), "torch_peak_mb": round(r["peak_mb"]["torch"], 1),
                      "ctnn_spread_pct": round(c_spread, 1), "torch_spread_pct": round(t_spread, 1),
                      "best_gemm_gflops": round(best, 1), "windows": args.windows, "reruns": r["stats"]["reruns"],
                      "loaded_windows": r["stats"]["loaded_windows"], "openblas_core": core or "detected"})
    print()
    print_kernels(gemm)
    print(f"Best GEMM (1024^3, float, {args.threads} threads): ctnn's Cpu::gemm {ctnn_gemm:.1f} GFLOP/s, "
          f"torch/BLAS {torch_gemm:.1f} GFLOP/s -> {best:.1f} GFLOP/s")
    print("samples/s: median of the windows (spread: max - min over median); ratio = ctnn / torch; of GEMM:\n"
          "ctnn's and torch's GFLOP/s over the best GEMM; ceiling: the ratio of a step of GEMMs alone at that rate;\n"
          "in BLAS: the share of each side's step inside GEMM calls (separate windows, under the timer)\n")
    header = f"{'model':<14}{'ctnn/torch':<20}{'batch':>6}{'thr':>4}{'ctnn samples/s':>22}{'torch samples/s':>22}{'ratio':>7}" \
             f"{'GFLOP/s':>9}{'of GEMM':>12}{'ceiling':>8}{'in BLAS':>11}{'peak MB ctnn/torch':>20}{'reruns':>7}"
    print(header)
    print("-" * len(header))
    for t in table:
        print(f"{t['model']:<14}{t['precision'] + '/' + t['torch_precision']:<20}{t['batch']:>6}{t['threads']:>4}"
              f"{t['ctnn_samples_per_s']:>13.1f} ({t['ctnn_spread_pct']:>4.1f}%)"
              f"{t['torch_samples_per_s']:>13.1f} ({t['torch_spread_pct']:>4.1f}%)"
              f"{t['ratio']:>7.2f}{t['ctnn_gflops']:>9.1f}{t['gemm_fraction']:>7.2f}/{t['torch_gemm_fraction']:.2f}"
              f"{t['ratio_ceiling']:>8.2f}"
              + (f"{t['ctnn_blas_share']:>6.2f}/{t['torch_blas_share']:.2f}" if t["torch_blas_share"] != "" else f"{'-':>11}")
              + f"{t['ctnn_peak_mb']:>11.0f} / {t['torch_peak_mb']:<6.0f}{t['reruns']:>7}"
              + (f"  ({t['loaded_windows']} windows kept under load)" if t["loaded_windows"] else ""))
    if any(t["torch_precision"] == "autocast-bf16" for t in table):
        print("\nautocast-bf16: PyTorch 1.13's torch.cpu.amp.autocast(dtype=torch.bfloat16) around the forward passes;\n"
              "it runs mm/addmm/linear/conv2d in bf16 and keeps conv_transpose2d and batch_norm in fp32")
    with open(args.csv, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(table)
    print(f"\nwrote {args.csv}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="the twin worker for one model")
    s.add_argument("model")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--precision", choices=sorted(AMP), default="fp32",
                   help="autocast-bf16: the forward passes under torch.cpu.amp.autocast(dtype=torch.bfloat16)")
    c = sub.add_parser("compare", help="time ctnn and the twins in alternating windows")
    c.add_argument("--ctnn", required=True, help="path of the bench_models executable")
    c.add_argument("--models", default="", help=f"comma-separated subset of: {','.join(MODELS)}")
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--windows", type=int, default=7, help="kept timing windows per side and model")
    c.add_argument("--window-seconds", type=float, default=1.5, help="length of one window")
    c.add_argument("--warmup-seconds", type=float, default=2.0)
    c.add_argument("--max-foreign", type=float, default=0.1,
                   help="cores' worth of CPU other processes may use during a window")
    c.add_argument("--max-wait", type=float, default=120.0,
                   help="seconds to wait for a quiet machine before keeping a loaded window")
    c.add_argument("--blas-timer", default="",
                   help="path of libctnn_blas_timer.so: measure each side's share of time in GEMM calls")
    c.add_argument("--blas-windows", type=int, default=3, help="windows per side under the BLAS timer")
    c.add_argument("--csv", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.csv"))
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.model, args.threads, args.precision)
    else:
        if args.windows < 1 or args.threads < 1 or args.blas_windows < 1:
            raise SystemExit("compare: --windows, --blas-windows and --threads must be at least 1")
        compare(args)


if __name__ == "__main__":
    main()
