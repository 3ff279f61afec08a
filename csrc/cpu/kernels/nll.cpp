// Negative log-likelihood of class indices, forward and backward, float32 (the scalar work is tiny: these
// kernels exist so that a loss costs one call instead of a dozen numpy operations).
#include "cpu/kernels.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

// x: [n, c] log-probabilities, t: [n] targets in [0, c) or == ignore_index, w: [c] class weights or null.
// losses[i] = -w[t_i] * x[i, t_i] (0 for an ignored row); *total = sum of losses in row order (double).
// Returns the sum of the weights of the rows not ignored (their count without weights).
double nll_forward(const float* x, const int64_t* t, const float* w, int64_t n, int64_t c, int64_t ignore_index,
                   float* losses, double* total) {
  double wsum = 0.0, lsum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = t[i];
    if (k == ignore_index) {
      losses[i] = 0.0f;
      continue;
    }
    const float wk = w ? w[k] : 1.0f;
    losses[i] = -wk * x[i * c + k];
    lsum += losses[i];
    wsum += wk;
  }
  *total = lsum;
  return wsum;
}

// gx: [n, c] written in full: zero except gx[i, t_i] = -w[t_i] * scale_i, where scale_i = scale[i] when
// per_row, else scale[0]. Ignored rows stay zero.
void nll_backward(const int64_t* t, const float* w, int64_t n, int64_t c, int64_t ignore_index, const float* scale,
                  int per_row, float* gx) {
  for (int64_t i = 0; i < n * c; ++i) gx[i] = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = t[i];
    if (k == ignore_index) continue;
    gx[i * c + k] = -(w ? w[k] : 1.0f) * scale[per_row ? i : 0];
  }
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
