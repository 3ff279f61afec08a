// Element-wise activations and their derivatives, float32, contiguous buffers of n elements.
// Backward kernels take the forward output y (not x). Every kernel allows its output to alias an input.
// Threads split n into contiguous blocks above kParallelThreshold; each element is computed the same way on
// any thread count, so results are bit-identical for 1 or N threads.
#include <math.h>

#include "cpu/kernels.h"
#include "cpu/kernels/parallel.h"
#include "cpu/kernels/vmath.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

static const int64_t kParallelThreshold = 1 << 18;  // waking a sleeping worker costs ~50-70 us

typedef void (*UnaryRange)(const float* x, float* y, int64_t n);
typedef void (*BinaryRange)(const float* a, const float* b, float* y, int64_t n);

// Threads take whole cache lines (16 floats) of the output, so no two write into one line.
static const int64_t kLine = 16;

static void run_unary(UnaryRange f, const float* x, float* y, int64_t n) {
  for_ranges((n + kLine - 1) / kLine, n >= kParallelThreshold, [=](int64_t l0, int64_t l1) {
    const int64_t lo = l0 * kLine, hi = l1 * kLine < n ? l1 * kLine : n;
    f(x + lo, y + lo, hi - lo);
  });
}

static void run_binary(BinaryRange f, const float* a, const float* b, float* y, int64_t n) {
  for_ranges((n + kLine - 1) / kLine, n >= kParallelThreshold, [=](int64_t l0, int64_t l1) {
    const int64_t lo = l0 * kLine, hi = l1 * kLine < n ? l1 * kLine : n;
    f(a + lo, b + lo, y + lo, hi - lo);
  });
}

// ---- ReLU ----
static void relu_range(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];  // NaN passes through, as in torch
}
static void relu_backward_range(const float* g, const float* y, float* gx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gx[i] = y[i] > 0.0f ? g[i] : 0.0f;
}

// y[i] = max(x[i], 0). x and y may alias.
void relu_forward(const float* x, float* y, int64_t n) { run_unary(relu_range, x, y, n); }

// grad_x[i] = grad_y[i] where the forward output y[i] > 0, else 0. grad_x may alias grad_y.
void relu_backward(const float* grad_y, const float* y, float* grad_x, int64_t n) {
  run_binary(relu_backward_range, grad_y, y, grad_x, n);
}

// ---- sigmoid ----
// 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 with e = exp(-|x|) <= 1: never overflows; e underflows to 0
// below -87.33 (the true value there is below the smallest normal float).
static inline vf vsigmoid(vf x) {
  const vf a = x < 0.0f ? -x : x;
  vf e = vexp(-a);
  e = -a < -87.3365447504f ? vf{} : e;
  const vf r = 1.0f / (1.0f + e);
  return x >= 0.0f ? r : e * r;
}
static void sigmoid_range(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(y + i, vsigmoid(vload(x + i)));
  if (i < n) vstore_tail(y + i, vsigmoid(vload_tail(x + i, n - i, 0.0f)), n - i);
}
static void sigmoid_backward_range(const float* g, const float* y, float* gx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gx[i] = g[i] * y[i] * (1.0f - y[i]);
}

// y[i] = 1 / (1 + exp(-x[i])), within ~2 ulp. x and y may alias.
void sigmoid_forward(const float* x, float* y, int64_t n) { run_unary(sigmoid_range, x, y, n); }

// grad_x[i] = grad_y[i] * y[i] * (1 - y[i]) with y the forward output. grad_x may alias grad_y.
void sigmoid_backward(const float* grad_y, const float* y, float* grad_x, int64_t n) {
  run_binary(sigmoid_backward_range, grad_y, y, grad_x, n);
}

// ---- tanh ----
// |x| < 0.625: x + x^3 P(x^2), P a least-squares fit of (tanh(x) - x) / x^3 (0.7 ulp); no cancellation near 0.
// Else sign(x) (1 - 2 / (exp(2|x|) + 1)), with |x| capped at 9.1 where tanh rounds to 1 in float32.
static inline vf vtanh(vf x) {
  const vf a = x < 0.0f ? -x : x;
  const vf u = x * x;
  vf p = vset(-0.00586785097f);
  p = p * u + vset(0.0207951907f);
  p = p * u + vset(-0.0537914038f);
  p = p * u + vset(0.133321196f);
  p = p * u + vset(-0.333333105f);
  const vf small = x + x * u * p;
  const vf ac = a > 9.1f ? vset(9.1f) : a;  // NaN stays NaN
  const vf e = vexp(ac + ac);
  const vf big = 1.0f - 2.0f / (e + 1.0f);
  const vf signed_big = x < 0.0f ? -big : big;
  return a < 0.625f ? small : signed_big;
}
static void tanh_range(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(y + i, vtanh(vload(x + i)));
  if (i < n) vstore_tail(y + i, vtanh(vload_tail(x + i, n - i, 0.0f)), n - i);
}
static void tanh_backward_range(const float* g, const float* y, float* gx, int64_t n) {
  // (1 - y)(1 + y) rather than 1 - y*y: no cancellation of a rounded y*y when |y| is close to 1
  for (int64_t i = 0; i < n; ++i) gx[i] = g[i] * ((1.0f - y[i]) * (1.0f + y[i]));
}

// y[i] = tanh(x[i]), within ~2 ulp. x and y may alias.
void tanh_forward(const float* x, float* y, int64_t n) { run_unary(tanh_range, x, y, n); }

// grad_x[i] = grad_y[i] * (1 - y[i]^2) (as (1 - y)(1 + y)) with y the forward output. grad_x may alias grad_y.
void tanh_backward(const float* grad_y, const float* y, float* grad_x, int64_t n) {
  run_binary(tanh_backward_range, grad_y, y, grad_x, n);
}

// ---- erf ----
static void erf_range(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = erff(x[i]);
}

// y[i] = erf(x[i]) (the C library's erff, within 1 ulp; numpy has no erf, and GELU needs it). x and y may alias.
void erf_forward(const float* x, float* y, int64_t n) { run_unary(erf_range, x, y, n); }

}  // namespace fastnn::cpu::FASTNN_ISA_NS
