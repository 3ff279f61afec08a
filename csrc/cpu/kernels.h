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

// FASTNN_WIDE: this translation unit builds the 16-lane kernels (AVX-512, or their AVX2 emulation in a
// FASTNN_EMULATE_AVX512 testing build): GEMM MR 8, 16-lane vectors in simd.h and vmath.h.
#if defined(__AVX512F__) || defined(FASTNN_EMULATE_AVX512)
#define FASTNN_WIDE 1
#endif

// X(name, return type, parameter list). Contract of each kernel: see the comment at its definition.
#define FASTNN_CPU_KERNELS(X)                                                                   \
  X(relu_forward, void, (const float* x, float* y, int64_t n))                                  \
  X(relu_backward, void, (const float* grad_y, const float* y, float* grad_x, int64_t n))       \
  X(sigmoid_forward, void, (const float* x, float* y, int64_t n))                               \
  X(sigmoid_backward, void, (const float* grad_y, const float* y, float* grad_x, int64_t n))    \
  X(tanh_forward, void, (const float* x, float* y, int64_t n))                                  \
  X(tanh_backward, void, (const float* grad_y, const float* y, float* grad_x, int64_t n))       \
  X(erf_forward, void, (const float* x, float* y, int64_t n))                                   \
  X(softmax_forward, void, (const float* x, float* y, int64_t rows, int64_t cols))              \
  X(log_softmax_forward, void, (const float* x, float* y, int64_t rows, int64_t cols))          \
  X(softmax_backward, void,                                                                     \
    (const float* grad_y, const float* y, float* grad_x, int64_t rows, int64_t cols))           \
  X(log_softmax_backward, void,                                                                 \
    (const float* grad_y, const float* y, float* grad_x, int64_t rows, int64_t cols))           \
  X(cross_entropy_forward_backward, void,                                                       \
    (const float* logits, const int64_t* targets, float* loss, float* dlogits, int64_t rows,   \
     int64_t cols, float scale))                                                                \
  X(sgd_step, void, (const OptimTensor* t, int64_t count, const SgdHyper* h))                   \
  X(adam_step, void, (const OptimTensor* t, int64_t count, const AdamHyper* h))                 \
  X(adagrad_step, void, (const OptimTensor* t, int64_t count, const AdagradHyper* h))           \
  X(rmsprop_step, void, (const OptimTensor* t, int64_t count, const RmspropHyper* h))           \
  X(adadelta_step, void, (const OptimTensor* t, int64_t count, const AdadeltaHyper* h))       \
  X(nadam_step, void, (const OptimTensor* t, int64_t count, const NadamHyper* h))               \
  X(radam_step, void, (const OptimTensor* t, int64_t count, const RadamHyper* h))               \
  X(adamax_step, void, (const OptimTensor* t, int64_t count, const AdamaxHyper* h))             \
  X(gather_rows, void, (const uint8_t* src, int64_t rows, int64_t row_bytes, const int64_t* idx, int64_t n_idx, uint8_t* out)) \
  X(gather_lut_u8, void, (const uint8_t* src, int64_t rows, int64_t row_len, const int64_t* idx, int64_t n_idx, const float* table, float* out)) \
  X(sgemm, void, (bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,     \
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, \
                  int64_t ldc, const float* bias, int relu))                                    \
  X(bias_grad, void, (const float* G, int64_t M, int64_t N, float* out, float beta))            \
  X(fma_chains, double, (int64_t iters, int64_t* flops))                                        \
  X(nll_forward, double, (const float* x, const int64_t* t, const float* w, int64_t n, int64_t c,  \
                          int64_t ignore_index, float* losses, double* total))                  \
  X(nll_backward, void, (const int64_t* t, const float* w, int64_t n, int64_t c, int64_t ignore_index, \
                         const float* scale, int per_row, float* gx))

namespace fastnn::cpu {

// Optimizer kernels (kernels/optim.cpp) update a list of parameters in one call. One entry per parameter: the
// parameter, its gradient and up to three state buffers, all of n floats (which state each optimizer uses is
// stated at its kernel; unused ones are null). Hyper-parameters arrive already rounded to float32 the way
// torch.optim's float32 CPU ops round their Python-float scalars (the bindings compute them in double).
struct OptimTensor {
  float* param;
  const float* grad;
  float* s0;
  float* s1;
  float* s2;
  int64_t n;
};
struct SgdHyper {
  float neg_lr, momentum, one_minus_dampening, weight_decay;
  int nesterov, maximize, first_step;  // first_step: the momentum buffers start as a copy of d_p
};
struct AdamHyper {
  float beta1, lerp_weight, beta2, one_minus_beta2, weight_decay, decay_factor, eps, bc2_sqrt, neg_step_size;
  int amsgrad, maximize, decoupled;  // decoupled (AdamW): p *= decay_factor (= 1 - lr * weight_decay)
};
struct AdagradHyper {
  float neg_clr, weight_decay, eps;
  int maximize;
};
struct RmspropHyper {
  float neg_lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  int centered, maximize;  // momentum > 0 uses the momentum buffers
};
struct AdadeltaHyper {
  float neg_lr, rho, one_minus_rho, eps, weight_decay;
  int maximize;
};
struct NadamHyper {  // grad_coef / avg_coef: the two addcdiv values (mu and mu_product folded in)
  float lerp_weight, beta2, one_minus_beta2, weight_decay, decay_factor, bc2, eps, grad_coef, avg_coef;
  int maximize, decoupled;
};
struct RadamHyper {  // rectified: rho_t > 5 (uses bc2_sqrt, eps and rect; else the plain momentum step)
  float lerp_weight, beta2, one_minus_beta2, weight_decay, decay_factor, bc1, lr, bc2_sqrt, eps, rect;
  int rectified, maximize, decoupled;
};
struct AdamaxHyper {
  float lerp_weight, beta2, eps, weight_decay, neg_clr;
  int maximize;
};

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
