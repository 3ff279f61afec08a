"""SGEMM kernel A/B in one native process: this tree's sgemm against another revision's and OpenBLAS's, 1 thread.

    python benchmarks/sgemm_ab.py [REV] [--shapes mlp|squares|all] [--shape 'TA TB M N K BIAS RELU']... [--rounds 41]
                                  [--isa avx2|avx512]

For work on csrc/cpu/kernels/gemm.cpp. Both revisions' gemm.cpp (REV's exported with `git archive`, default
HEAD) are compiled with g++ at the flags of CMakeLists.txt for one ISA (by default the widest this CPU runs, as
fastnn's dispatch picks) into one program, sgemm_ab.cpp, with numpy's own OpenBLAS loaded beside them
(OPENBLAS_NUM_THREADS=1; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset). The three take turns on the same operands,
and each ratio is the median over rounds of two calls' times measured microseconds apart: on the shared 2-core
machine of RESULTS.md, separate processes' figures move by +-15% between runs, while these ratios repeat to
~2-3%. No Python sits between the timer and the kernel, so this measures the kernel alone; bench_kernels.py
measures what users get through the public API.

Shapes: the MLP's forward and backward products of bench_kernels.py at batch 64 and 256 (forward products with
their bias and ReLU epilogue; OpenBLAS runs them without), and/or squares 256..2048.
"""
import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from _devtree import export_rev  # noqa: E402
FLAGS = ["-O3", "-DNDEBUG", "-fno-math-errno", "-fno-trapping-math", "-fopenmp"]
ISA_FLAGS = {"avx2": ["-mavx2", "-mfma", "-mf16c"],
             "avx512": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma", "-mf16c"]}


def widest_isa():
    """avx512 when this CPU has the AVX-512 subsets fastnn's dispatch asks for, else avx2."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    return "avx512" if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= set(flags) else "avx2"


def mlp_shapes():
    """(trans_a, trans_b, M, N, K, bias, relu) for the 784-128-64-10 network's products at batch 64 and 256."""
    layers = [(784, 128, True), (128, 64, True), (64, 10, False)]
    out = []
    for batch in (64, 256):
        for fan_in, fan_out, relu in layers:
            out.append((0, 1, batch, fan_out, fan_in, 1, int(relu)))  # x @ W^T + b
        for fan_in, fan_out, _ in reversed(layers):
            out.append((1, 0, fan_out, fan_in, batch, 0, 0))  # dW = dY^T @ x
        out.append((1, 0, 784, 128, batch, 0, 0))  # dW1' = x^T @ dY
        for fan_in, fan_out, _ in reversed(layers):
            out.append((0, 0, batch, fan_in, fan_out, 0, 0))  # dX = dY @ W
    return out


def squares():
    return [(0, 0, n, n, n, 0, 0) for n in (256, 512, 1024, 2048)]


def openblas():
    """(library path, cblas_sgemm symbol) of numpy's OpenBLAS, or ("", "") when there is none."""
    import numpy
    from threadpoolctl import threadpool_info
    assert numpy  # loaded: threadpoolctl finds the BLAS of libraries already loaded
    for info in threadpool_info():
        if info.get("internal_api") == "openblas":
            lib = ctypes.CDLL(info["filepath"])
            for name in ("scipy_cblas_sgemm64_", "cblas_sgemm64_", "cblas_sgemm"):
                if hasattr(lib, name):
                    return info["filepath"], name
    return "", ""


def build(rev, tmp, isa):
    """Compile sgemm_ab.cpp with this tree's gemm.cpp (namespace cur) and REV's (namespace base) for `isa`."""
    base_src = os.path.join(tmp, "base")
    os.makedirs(base_src)
    export_rev(rev, base_src, "csrc")
    objects = []
    for ns, root in (("cur", REPO), ("base", base_src)):
        obj = os.path.join(tmp, ns + ".o")
        subprocess.run(["g++", *FLAGS, *ISA_FLAGS[isa], f"-DFASTNN_ISA_NS={ns}", "-I", os.path.join(root, "csrc"), "-c",
                        os.path.join(root, "csrc", "cpu", "kernels", "gemm.cpp"), "-o", obj], check=True)
        objects.append(obj)
    exe = os.path.join(tmp, "sgemm_ab")
    subprocess.run(["g++", "-O2", os.path.join(HERE, "sgemm_ab.cpp"), *objects, "-fopenmp", "-ldl", "-o", exe],
                   check=True)
    return exe


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rev", nargs="?", default="HEAD")
    p.add_argument("--shapes", choices=["mlp", "squares", "all"], default="mlp")
    p.add_argument("--rounds", type=int, default=41)
    p.add_argument("--shape", action="append", default=[], metavar="'TA TB M N K BIAS RELU'",
                   help="run this product instead of --shapes (repeatable), e.g. '1 0 64 128 256 0 0'")
    p.add_argument("--isa", choices=sorted(ISA_FLAGS), default=widest_isa(),
                   help="the kernels' instruction set (default: the widest this CPU runs)")
    a = p.parse_args()
    shapes = {"mlp": mlp_shapes(), "squares": squares(), "all": mlp_shapes() + squares()}[a.shapes]
    if a.shape:
        shapes = [tuple(int(v) for v in s.split()) for s in a.shape]
    lib, symbol = openblas()
    tmp = tempfile.mkdtemp(prefix="fastnn-sgemm-ab-")
    try:
        exe = build(a.rev, tmp, a.isa)
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        lines = "".join(" ".join(map(str, s)) + "\n" for s in shapes)
        print(f"sgemm A/B, 1 thread, {a.isa}: this tree against {a.rev}"
              + (f" and OpenBLAS ({os.path.basename(lib)})" if lib else "") + f", {a.rounds} rounds\n")
        print(f"| product | this tree GF/s | {a.rev} GF/s | OpenBLAS GF/s | {a.rev} time / this | "
              "OpenBLAS time / this |")
        print("|---|---|---|---|---|---|")
        proc = subprocess.Popen([exe, lib, symbol, str(a.rounds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, env=env)
        proc.stdin.write(lines)
        proc.stdin.close()
        for line in proc.stdout:
            ta, tb, M, N, K, bias, relu, g0, g1, g2, r1, r2 = line.split()
            mode = ("T" if ta == "1" else "N") + ("T" if tb == "1" else "N")
            epi = " + bias" * (bias == "1") + " + ReLU" * (relu == "1")
            blas = f"{float(g2):.1f} | " if lib else "- | "
            print(f"| {mode} {M}x{N}x{K}{epi} | {float(g0):.1f} | {float(g1):.1f} | {blas}{float(r1):.3f} | "
                  + (f"{float(r2):.3f} |" if lib else "- |"), flush=True)
        if proc.wait() != 0:
            sys.exit(proc.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
