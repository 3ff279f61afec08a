// Row-wise softmax / log-softmax over the last axis of a C-contiguous [rows, cols] float32 array, their
// backward passes, and a fused cross-entropy. Rows are independent: threads split rows (above
// kParallelThreshold elements) and every row is reduced in the same fixed order (vector lanes, then lanes
// summed from lane 0, then the tail), so results are bit-identical for any thread count.
#include "cpu/kernels.h"
#include "cpu/kernels/vmath.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

static const int64_t kParallelThreshold = 1 << 15;

static inline bool parallel_rows(int64_t rows, int64_t cols) {
  return rows > 1 && rows * cols >= kParallelThreshold && num_threads() > 1;
}

static inline float row_max(const float* x, int64_t n) {
  vf m = vset(-__builtin_inff());
  int64_t i = 0;
  for (; i + VW <= n; i += VW) m = vmax(m, vload(x + i));
  float r = hmax(m);
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  return r;
}

// Writes e = exp(x - m) to y (when y is not null) and returns the sum of e. y may be x.
static inline float exp_shift_sum(const float* x, float* y, int64_t n, float m) {
  const vf vm = vset(m);
  vf acc = vf{};
  int64_t i = 0;
  for (; i + VW <= n; i += VW) {
    const vf e = vexp(vload(x + i) - vm);
    if (y) vstore(y + i, e);
    acc += e;
  }
  float s = hsum(acc);
  if (i < n) {
    float e[FASTNN_VW];
    vstore(e, vexp(vload_tail(x + i, n - i, m) - vm));
    for (int64_t j = 0; j < n - i; ++j) s += e[j];
    if (y) for (int64_t j = 0; j < n - i; ++j) y[i + j] = e[j];
  }
  return s;
}

static inline void scale_row(float* y, int64_t n, float c) {
  for (int64_t i = 0; i < n; ++i) y[i] *= c;
}

// A row of -inf would give NaN (as torch does): max is -inf and x - max is NaN.
static void softmax_row(const float* x, float* y, int64_t n) {
  const float m = row_max(x, n);
  const float s = exp_shift_sum(x, y, n, m);
  scale_row(y, n, 1.0f / s);
}

static void log_softmax_row(const float* x, float* y, int64_t n) {
  const float m = row_max(x, n);
  const float ls = __builtin_logf(exp_shift_sum(x, nullptr, n, m));
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - ls;
}

// y = softmax(x) per row. x: [rows, cols], y: [rows, cols]; y may be x.
void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel_rows(rows, cols))
  for (int64_t r = 0; r < rows; ++r) softmax_row(x + r * cols, y + r * cols, cols);
}

// y = x - max - log(sum(exp(x - max))) per row. Shapes as softmax_forward; y may be x.
void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel_rows(rows, cols))
  for (int64_t r = 0; r < rows; ++r) log_softmax_row(x + r * cols, y + r * cols, cols);
}

static inline float row_dot(const float* a, const float* b, int64_t n) {
  vf acc = vf{};
  int64_t i = 0;
  for (; i + VW <= n; i += VW) acc += vload(a + i) * vload(b + i);
  float s = hsum(acc);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

static inline float row_sum(const float* a, int64_t n) {
  vf acc = vf{};
  int64_t i = 0;
  for (; i + VW <= n; i += VW) acc += vload(a + i);
  float s = hsum(acc);
  for (; i < n; ++i) s += a[i];
  return s;
}

// grad_x = y * (grad_y - sum(grad_y * y)) per row, y the forward output. All [rows, cols]; grad_x may alias
// grad_y or y.
void softmax_backward(const float* grad_y, const float* y, float* grad_x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel_rows(rows, cols))
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = grad_y + r * cols;
    const float* yr = y + r * cols;
    float* gx = grad_x + r * cols;
    const float d = row_dot(g, yr, cols);
    for (int64_t i = 0; i < cols; ++i) gx[i] = yr[i] * (g[i] - d);
  }
}

// grad_x = grad_y - exp(y) * sum(grad_y) per row, y the forward output (log-probabilities). All [rows, cols];
// grad_x may alias grad_y or y.
void log_softmax_backward(const float* grad_y, const float* y, float* grad_x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel_rows(rows, cols))
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = grad_y + r * cols;
    const float* yr = y + r * cols;
    float* gx = grad_x + r * cols;
    const vf s = vset(row_sum(g, cols));
    int64_t i = 0;
    for (; i + VW <= cols; i += VW) vstore(gx + i, vload(g + i) - vexp(vload(yr + i)) * s);
    if (i < cols) {
      const int64_t t = cols - i;
      vstore_tail(gx + i, vload_tail(g + i, t, 0.0f) - vexp(vload_tail(yr + i, t, 0.0f)) * s, t);
    }
  }
}

// Fused cross-entropy over logits [rows, cols] and targets [rows] (each in [0, cols): the caller checks):
// loss[r] = log(sum(exp(x - max))) - (x[t] - max) = -log softmax(x)[t], and
// dlogits[r] = scale * (softmax(x) - onehot(t)). dlogits may be logits.
void cross_entropy_forward_backward(const float* logits, const int64_t* targets, float* loss, float* dlogits,
                                    int64_t rows, int64_t cols, float scale) {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel_rows(rows, cols))
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * cols;
    float* d = dlogits + r * cols;
    const int64_t t = targets[r];
    const float xt = x[t];  // read before d (which may be x) is written
    const float m = row_max(x, cols);
    const float s = exp_shift_sum(x, d, cols, m);
    loss[r] = __builtin_logf(s) - (xt - m);
    scale_row(d, cols, scale / s);
    d[t] -= scale;
  }
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
