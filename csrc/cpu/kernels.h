// The CPU kernel API: one list of raw-pointer kernels, compiled once per instruction set.
//
// Each file in csrc/cpu/kernels/ is compiled three times (generic, avx2, avx512) with FASTNN_ISA_NS set to the
// ISA's name and defines its kernels inside namespace fastnn::cpu::FASTNN_ISA_NS. dispatch.cpp fills a
// KernelTable from the namespace the CPU supports. Adding a kernel = one line in FASTNN_CPU_KERNELS plus its
// definition in a kernels/ file.
//
// Rule for kernels/ files: no std:: templates or other inline code that the linker could merge across ISAs
// (a merged copy compiled for AVX-512 would run on the generic path). Use raw loops, intrinsics, GCC vector
// types and helpers declared `static inline` inside the ISA namespace.
#pragma once
#include <cstdint>

// X(name, return type, parameter list). Contract of each kernel: see the comment at its definition.
#define FASTNN_CPU_KERNELS(X)                                                                   \
  X(relu_forward, void, (const float* x, float* y, int64_t n))                                  \
  X(relu_backward, void, (const float* grad_y, const float* y, float* grad_x, int64_t n))       \
  X(sgemm, void, (bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,     \
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, \
                  int64_t ldc, const float* bias, int relu))                                    \
  X(bias_grad, void, (const float* G, int64_t M, int64_t N, float* out, float beta))            \
  X(fma_chains, double, (int64_t iters, int64_t* flops))

namespace fastnn::cpu {

#define FASTNN_DECLARE_KERNEL(name, ret, params) ret name params;
#define FASTNN_DECLARE_ISA(ns) namespace ns { FASTNN_CPU_KERNELS(FASTNN_DECLARE_KERNEL) }
FASTNN_DECLARE_ISA(generic)
#if defined(FASTNN_X86) || defined(__x86_64__)
FASTNN_DECLARE_ISA(avx2)
FASTNN_DECLARE_ISA(avx512)
#endif
#undef FASTNN_DECLARE_ISA
#undef FASTNN_DECLARE_KERNEL

struct KernelTable {
  const char* isa;
#define FASTNN_KERNEL_POINTER(name, ret, params) ret(*name) params;
  FASTNN_CPU_KERNELS(FASTNN_KERNEL_POINTER)
#undef FASTNN_KERNEL_POINTER
};

// The table of the ISA in use (the best the CPU and OS support, FASTNN_ISA, or set_isa()).
const KernelTable& kernels();

// Threads the kernels may use (fastnn.set_num_threads); kernels stay single-threaded below their size threshold.
int num_threads();

}  // namespace fastnn::cpu
