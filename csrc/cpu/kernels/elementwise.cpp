// Element-wise activations and their derivatives, float32, contiguous buffers of n elements.
#include "cpu/kernels.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

static const int64_t kParallelThreshold = 1 << 16;

// y[i] = max(x[i], 0). x and y may alias.
void relu_forward(const float* x, float* y, int64_t n) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (n >= kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

// grad_x[i] = grad_y[i] where the forward output y[i] > 0, else 0. grad_x may alias grad_y.
void relu_backward(const float* grad_y, const float* y, float* grad_x, int64_t n) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (n >= kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) grad_x[i] = y[i] > 0.0f ? grad_y[i] : 0.0f;
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
