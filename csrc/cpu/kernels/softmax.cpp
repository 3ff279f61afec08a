// Row-wise softmax / log-softmax over the last axis of a C-contiguous [rows, cols] float32 array, their
// backward passes, and a fused cross-entropy. Rows are independent: threads split rows (above
// kParallelThreshold elements) and every row is reduced in the same fixed order (vector lanes, then lanes
// summed from lane 0, then the tail), so results are bit-identical for any thread count.
#include "cpu/kernels.h"
#include "cpu/kernels/parallel.h"
#include "cpu/kernels/vmath.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

static const int64_t kParallelThreshold = 1 << 17;  // waking a sleeping worker costs ~50-70 us

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

// ---- short rows (cols < kShortRow): a row is shorter than two vectors, so per-row vector code is mostly
// tails and lane reductions. Instead a block of rows is shifted by its row maxima with scalar code, exp runs
// over the whole block as one flat array, and rows are summed left to right.
static const int64_t kShortRow = 32;
static const int64_t kBlock = 1024;  // floats per block (4 KiB, in L1)

static inline float scalar_max(const float* x, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
static inline float scalar_sum(const float* x, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}

static inline float scalar_dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// dst[i] = exp(src[i]) for n floats; dst may be src.
static void exp_array(const float* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(dst + i, vexp(vload(src + i)));
  if (i < n) vstore_tail(dst + i, vexp(vload_tail(src + i, n - i, 0.0f)), n - i);
}

// The arguments of every kernel in this file, for the row-range workers below.
struct Rows {
  const float* a;  // x, logits or grad_y
  const float* b;  // y in backward
  float* out;      // y, grad_x or dlogits
  const int64_t* targets;
  float* loss;
  int64_t cols;
  float scale;
};
typedef void (*RowRange)(const Rows& a, int64_t r0, int64_t r1);

static void run_rows(RowRange f, const Rows& a, int64_t rows) {
  const Rows* ap = &a;  // captured by value: the lambda copies a pointer, not the struct
  for_ranges(rows, parallel_rows(rows, a.cols), [=](int64_t r0, int64_t r1) { f(*ap, r0, r1); });
}

// Rows per block of at most kBlock floats.
static inline int64_t block_rows(int64_t cols) { return cols > 0 && cols < kBlock ? kBlock / cols : 1; }

static void softmax_rows(const Rows& a, int64_t r0, int64_t r1) {
  const int64_t c = a.cols;
  if (c == 0) return;
  if (c >= kShortRow) {
    for (int64_t r = r0; r < r1; ++r) softmax_row(a.a + r * c, a.out + r * c, c);
    return;
  }
  for (int64_t b = r0, per = block_rows(c); b < r1; b += per) {
    const int64_t nb = r1 - b < per ? r1 - b : per;
    const float* x = a.a + b * c;
    float* y = a.out + b * c;
    for (int64_t r = 0; r < nb; ++r) {
      const float m = scalar_max(x + r * c, c);
      for (int64_t j = 0; j < c; ++j) y[r * c + j] = x[r * c + j] - m;
    }
    exp_array(y, y, nb * c);
    for (int64_t r = 0; r < nb; ++r) scale_row(y + r * c, c, 1.0f / scalar_sum(y + r * c, c));
  }
}

static void log_softmax_rows(const Rows& a, int64_t r0, int64_t r1) {
  const int64_t c = a.cols;
  if (c == 0) return;
  if (c >= kShortRow) {
    for (int64_t r = r0; r < r1; ++r) log_softmax_row(a.a + r * c, a.out + r * c, c);
    return;
  }
  float e[kBlock];
  for (int64_t b = r0, per = block_rows(c); b < r1; b += per) {
    const int64_t nb = r1 - b < per ? r1 - b : per;
    const float* x = a.a + b * c;
    float* y = a.out + b * c;
    for (int64_t r = 0; r < nb; ++r) {
      const float m = scalar_max(x + r * c, c);
      for (int64_t j = 0; j < c; ++j) y[r * c + j] = x[r * c + j] - m;
    }
    exp_array(y, e, nb * c);
    for (int64_t r = 0; r < nb; ++r) {
      const float ls = __builtin_logf(scalar_sum(e + r * c, c));
      for (int64_t j = 0; j < c; ++j) y[r * c + j] -= ls;
    }
  }
}

static void softmax_backward_rows(const Rows& a, int64_t r0, int64_t r1) {
  const int64_t c = a.cols;
  for (int64_t r = r0; r < r1; ++r) {
    const float* g = a.a + r * c;
    const float* y = a.b + r * c;
    float* gx = a.out + r * c;
    const float d = c < kShortRow ? scalar_dot(g, y, c) : row_dot(g, y, c);
    for (int64_t i = 0; i < c; ++i) gx[i] = y[i] * (g[i] - d);
  }
}

static void log_softmax_backward_rows(const Rows& a, int64_t r0, int64_t r1) {
  const int64_t c = a.cols;
  if (c == 0) return;
  if (c >= kShortRow) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = a.a + r * c;
      const float* y = a.b + r * c;
      float* gx = a.out + r * c;
      const vf s = vset(row_sum(g, c));
      int64_t i = 0;
      for (; i + VW <= c; i += VW) vstore(gx + i, vload(g + i) - vexp(vload(y + i)) * s);
      if (i < c) {
        const int64_t t = c - i;
        vstore_tail(gx + i, vload_tail(g + i, t, 0.0f) - vexp(vload_tail(y + i, t, 0.0f)) * s, t);
      }
    }
    return;
  }
  float e[kBlock];
  for (int64_t b = r0, per = block_rows(c); b < r1; b += per) {
    const int64_t nb = r1 - b < per ? r1 - b : per;
    const float* g = a.a + b * c;
    float* gx = a.out + b * c;
    exp_array(a.b + b * c, e, nb * c);
    for (int64_t r = 0; r < nb; ++r) {
      const float s = scalar_sum(g + r * c, c);
      for (int64_t j = 0; j < c; ++j) gx[r * c + j] = g[r * c + j] - e[r * c + j] * s;
    }
  }
}

static void cross_entropy_rows(const Rows& a, int64_t r0, int64_t r1) {
  const int64_t c = a.cols;
  const float scale = a.scale;
  if (c >= kShortRow) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = a.a + r * c;
      float* d = a.out + r * c;
      const int64_t t = a.targets[r];
      const float xt = x[t];  // read before d (which may be x) is written
      const float m = row_max(x, c);
      const float s = exp_shift_sum(x, d, c, m);
      a.loss[r] = __builtin_logf(s) - (xt - m);
      scale_row(d, c, scale / s);
      d[t] -= scale;
    }
    return;
  }
  for (int64_t b = r0, per = block_rows(c); b < r1; b += per) {
    const int64_t nb = r1 - b < per ? r1 - b : per;
    const float* x = a.a + b * c;
    float* d = a.out + b * c;
    float* loss = a.loss + b;
    const int64_t* t = a.targets + b;
    for (int64_t r = 0; r < nb; ++r) {
      const float m = scalar_max(x + r * c, c);
      loss[r] = x[r * c + t[r]] - m;  // before d (which may be x) is written
      for (int64_t j = 0; j < c; ++j) d[r * c + j] = x[r * c + j] - m;
    }
    exp_array(d, d, nb * c);
    for (int64_t r = 0; r < nb; ++r) {
      const float s = scalar_sum(d + r * c, c);
      loss[r] = __builtin_logf(s) - loss[r];
      scale_row(d + r * c, c, scale / s);
      d[r * c + t[r]] -= scale;
    }
  }
}

// y = softmax(x) per row. x: [rows, cols], y: [rows, cols]; y may be x.
void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  run_rows(softmax_rows, Rows{x, nullptr, y, nullptr, nullptr, cols, 0.0f}, rows);
}

// y = x - max - log(sum(exp(x - max))) per row. Shapes as softmax_forward; y may be x.
void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  run_rows(log_softmax_rows, Rows{x, nullptr, y, nullptr, nullptr, cols, 0.0f}, rows);
}

// grad_x = y * (grad_y - sum(grad_y * y)) per row, y the forward output. All [rows, cols]; grad_x may alias
// grad_y or y.
void softmax_backward(const float* grad_y, const float* y, float* grad_x, int64_t rows, int64_t cols) {
  run_rows(softmax_backward_rows, Rows{grad_y, y, grad_x, nullptr, nullptr, cols, 0.0f}, rows);
}

// grad_x = grad_y - exp(y) * sum(grad_y) per row, y the forward output (log-probabilities). All [rows, cols];
// grad_x may alias grad_y or y.
void log_softmax_backward(const float* grad_y, const float* y, float* grad_x, int64_t rows, int64_t cols) {
  run_rows(log_softmax_backward_rows, Rows{grad_y, y, grad_x, nullptr, nullptr, cols, 0.0f}, rows);
}

// Fused cross-entropy over logits [rows, cols] and targets [rows] (each in [0, cols): the caller checks):
// loss[r] = log(sum(exp(x - max))) - (x[t] - max) = -log softmax(x)[t], and
// dlogits[r] = scale * (softmax(x) - onehot(t)). dlogits may be logits; loss is [rows].
void cross_entropy_forward_backward(const float* logits, const int64_t* targets, float* loss, float* dlogits,
                                    int64_t rows, int64_t cols, float scale) {
  run_rows(cross_entropy_rows, Rows{logits, nullptr, dlogits, targets, loss, cols, scale}, rows);
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
