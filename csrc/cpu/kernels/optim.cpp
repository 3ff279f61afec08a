// Multi-tensor optimizer steps with torch.optim's update rules (torch 2.13, _single_tensor_* CPU path), in the
// same operation order so float32 trajectories follow torch's. One call updates every parameter of a group:
// `t` holds `count` entries (cpu/kernels.h: OptimTensor); no two buffers of one entry may overlap.
//
// Work is cut into chunks of kChunk elements across all tensors and the chunks are split statically between
// threads (above kParallelThreshold elements in all). Updates are element-wise, so results are bit-identical
// on any thread count. Flush-to-zero / denormals-are-zero are set in MXCSR for the kernel's duration (on every
// thread) and restored after: denormal optimizer state costs time and changes nothing visible at 1e-38.
#include "cpu/kernels.h"
#include "cpu/kernels/parallel.h"
#include "cpu/kernels/vmath.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

static const int64_t kChunk = 1 << 14;
static const int64_t kParallelThreshold = 1 << 19;  // waking a sleeping worker costs ~50-70 us

typedef void (*OptimRange)(const OptimTensor* t, int64_t lo, int64_t hi, const void* h);

static inline unsigned ftz_on() {
#if defined(__SSE__)
  const unsigned csr = __builtin_ia32_stmxcsr();
  __builtin_ia32_ldmxcsr(csr | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
  return csr;
#else
  return 0;
#endif
}
static inline void ftz_restore(unsigned csr) {
#if defined(__SSE__)
  __builtin_ia32_ldmxcsr(csr);
#else
  (void)csr;
#endif
}

static void run_optim(OptimRange f, const OptimTensor* t, int64_t count, const void* h) {
  int64_t total = 0, chunks = 0;
  for (int64_t k = 0; k < count; ++k) {
    total += t[k].n;
    chunks += (t[k].n + kChunk - 1) / kChunk;
  }
  // A share is a run of chunks [c0, c1) across the tensors; f gets each tensor's part of it in one call (on one
  // thread: one call per tensor).
  for_ranges(chunks, total >= kParallelThreshold, [=](int64_t c0, int64_t c1) {
    const unsigned csr = ftz_on();
    int64_t c = 0;  // first chunk of tensor k
    for (int64_t k = 0; k < count && c < c1; ++k) {
      const int64_t n = t[k].n, nk = (n + kChunk - 1) / kChunk;
      const int64_t lo = c > c0 ? c : c0, hi = c + nk < c1 ? c + nk : c1;
      if (lo < hi) {
        const int64_t end = (hi - c) * kChunk;
        f(&t[k], (lo - c) * kChunk, end < n ? end : n, h);
      }
      c += nk;
    }
    ftz_restore(csr);
  });
}

// ---- SGD: s0 = momentum buffer (used when momentum != 0) ----
static void sgd_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const SgdHyper h = *static_cast<const SgdHyper*>(hv);
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict buf = t->s0;
  const float sign = h.maximize ? -1.0f : 1.0f;
  const bool wd = h.weight_decay != 0.0f, mom = h.momentum != 0.0f;
  for (int64_t i = lo; i < hi; ++i) {
    float d = sign * g[i];
    if (wd) d = d + h.weight_decay * p[i];
    if (mom) {
      float b;
      if (h.first_step) {
        b = d;
      } else {
        b = buf[i] * h.momentum;
        b = b + h.one_minus_dampening * d;
      }
      buf[i] = b;
      d = h.nesterov ? d + h.momentum * b : b;
    }
    p[i] = p[i] + h.neg_lr * d;
  }
}

// SGD with momentum, dampening, nesterov, weight_decay, maximize (torch.optim.SGD).
void sgd_step(const OptimTensor* t, int64_t count, const SgdHyper* h) { run_optim(sgd_range, t, count, h); }

// ---- Adam / AdamW: s0 = exp_avg, s1 = exp_avg_sq, s2 = max_exp_avg_sq (amsgrad) ----
static void adam_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const AdamHyper h = *static_cast<const AdamHyper*>(hv);
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict m = t->s0;
  float* __restrict v = t->s1;
  float* __restrict vmax = t->s2;
  const float sign = h.maximize ? -1.0f : 1.0f;
  const bool wd = h.weight_decay != 0.0f, low_weight = h.lerp_weight < 0.5f;
  const float one_minus_w = 1.0f - h.lerp_weight;
  for (int64_t i = lo; i < hi; ++i) {
    float d = sign * g[i];
    float pi = p[i];
    if (wd) {
      if (h.decoupled) pi = pi * h.decay_factor;
      else d = d + h.weight_decay * pi;
    }
    const float mi = m[i];  // exp_avg.lerp_(grad, 1 - beta1), torch's two-branch lerp
    const float mn = low_weight ? mi + h.lerp_weight * (d - mi) : d - (d - mi) * one_minus_w;
    m[i] = mn;
    float vi = v[i] * h.beta2;
    vi = vi + h.one_minus_beta2 * d * d;
    v[i] = vi;
    if (h.amsgrad) {
      const float vm = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = vm;
      vi = vm;
    }
    const float denom = __builtin_sqrtf(vi) / h.bc2_sqrt + h.eps;
    p[i] = pi + h.neg_step_size * mn / denom;
  }
}

// Adam (decoupled = 0) or AdamW (decoupled = 1) with amsgrad and maximize (torch.optim.Adam / AdamW).
void adam_step(const OptimTensor* t, int64_t count, const AdamHyper* h) { run_optim(adam_range, t, count, h); }

// ---- Adagrad: s0 = state_sum ----
static void adagrad_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const AdagradHyper h = *static_cast<const AdagradHyper*>(hv);
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict s = t->s0;
  const float sign = h.maximize ? -1.0f : 1.0f;
  const bool wd = h.weight_decay != 0.0f;
  for (int64_t i = lo; i < hi; ++i) {
    float d = sign * g[i];
    if (wd) d = d + h.weight_decay * p[i];
    const float si = s[i] + d * d;
    s[i] = si;
    p[i] = p[i] + h.neg_clr * d / (__builtin_sqrtf(si) + h.eps);
  }
}

// Adagrad with lr_decay (folded into neg_clr by the caller), weight_decay, eps, maximize (torch.optim.Adagrad).
void adagrad_step(const OptimTensor* t, int64_t count, const AdagradHyper* h) {
  run_optim(adagrad_range, t, count, h);
}

// ---- RMSprop: s0 = square_avg, s1 = momentum buffer (momentum > 0), s2 = grad_avg (centered) ----
static void rmsprop_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const RmspropHyper h = *static_cast<const RmspropHyper*>(hv);
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict v = t->s0;
  float* __restrict buf = t->s1;
  float* __restrict ga = t->s2;
  const float sign = h.maximize ? -1.0f : 1.0f;
  const bool wd = h.weight_decay != 0.0f, mom = h.momentum > 0.0f, low_weight = h.one_minus_alpha < 0.5f;
  const float one_minus_w = 1.0f - h.one_minus_alpha;
  for (int64_t i = lo; i < hi; ++i) {
    float d = sign * g[i];
    if (wd) d = d + h.weight_decay * p[i];
    float vi = v[i] * h.alpha;
    vi = vi + h.one_minus_alpha * d * d;
    v[i] = vi;
    float avg;
    if (h.centered) {
      const float a = ga[i];  // grad_avg.lerp_(grad, 1 - alpha)
      const float an = low_weight ? a + h.one_minus_alpha * (d - a) : d - (d - a) * one_minus_w;
      ga[i] = an;
      avg = __builtin_sqrtf(vi - an * an);
    } else {
      avg = __builtin_sqrtf(vi);
    }
    avg = avg + h.eps;
    if (mom) {
      const float b = buf[i] * h.momentum + d / avg;
      buf[i] = b;
      p[i] = p[i] + h.neg_lr * b;
    } else {
      p[i] = p[i] + h.neg_lr * d / avg;
    }
  }
}

// RMSprop with alpha, eps, momentum, centered, weight_decay, maximize (torch.optim.RMSprop).
void rmsprop_step(const OptimTensor* t, int64_t count, const RmspropHyper* h) {
  run_optim(rmsprop_range, t, count, h);
}

// ---- Adadelta: s0 = square_avg, s1 = acc_delta ----
static void adadelta_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const AdadeltaHyper h = *static_cast<const AdadeltaHyper*>(hv);
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict v = t->s0;
  float* __restrict u = t->s1;
  const float sign = h.maximize ? -1.0f : 1.0f;
  const bool wd = h.weight_decay != 0.0f;
  for (int64_t i = lo; i < hi; ++i) {
    float d = sign * g[i];
    if (wd) d = d + h.weight_decay * p[i];
    float vi = v[i] * h.rho;
    vi = vi + h.one_minus_rho * d * d;
    v[i] = vi;
    const float std_ = __builtin_sqrtf(vi + h.eps);
    const float delta = __builtin_sqrtf(u[i] + h.eps) / std_ * d;
    float ui = u[i] * h.rho;
    ui = ui + h.one_minus_rho * delta * delta;
    u[i] = ui;
    p[i] = p[i] + h.neg_lr * delta;
  }
}

// Adadelta with rho, eps, lr, weight_decay, maximize (torch.optim.Adadelta).
void adadelta_step(const OptimTensor* t, int64_t count, const AdadeltaHyper* h) {
  run_optim(adadelta_range, t, count, h);
}

// ---- NAdam, RAdam, Adamax: torch's float32 CPU kernels fuse some multiply-adds (add with alpha, addcmul, lerp)
// and round every other product on its own. So this section turns the compiler's contraction off and spells each
// of torch's fused steps as an fma (the same bits on every ISA; the generic build calls libm's fmaf).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

// a.lerp_(b, w) as torch computes it: fma in both of its formulas (exact at both ends); one_minus_w = 1 - w.
// Both are computed and one is selected: an fma under a branch keeps GCC from vectorizing the loop.
static inline float lerp_fma(float a, float b, float w, float one_minus_w) {
  const float small = __builtin_fmaf(w, b - a, a), large = __builtin_fmaf(b - a, -one_minus_w, b);
  return w < 0.5f ? small : large;
}

// Weight decay in the Adam family, a template argument so that each variant compiles to its own branch-free loop:
// kDecoupled: p *= 1 - lr * wd before the update; kCoupled: grad.add(param, alpha=wd).
enum Decay { kNoDecay, kDecoupled, kCoupled };
static inline Decay decay_of(float weight_decay, int decoupled) {
  return weight_decay == 0.0f ? kNoDecay : decoupled ? kDecoupled : kCoupled;
}

// The element step NAdam and RAdam share, in torch's order: the gradient d (sign, coupled weight decay), the
// parameter p (decoupled decay), exp_avg.lerp_(d, 1 - beta1) and exp_avg_sq.mul_(beta2).addcmul_(d, d, 1 - beta2).
struct Moments {
  float p, d, m, v;
};
template <Decay DECAY, class Hyper>
static inline Moments adam_moments(const Hyper& h, float sign, float one_minus_w, float g, float p, float m,
                                   float v) {
  float d = sign * g;
  if (DECAY == kDecoupled) p = p * h.decay_factor;
  if (DECAY == kCoupled) d = __builtin_fmaf(h.weight_decay, p, d);
  return {p, d, lerp_fma(m, d, h.lerp_weight, one_minus_w), __builtin_fmaf(h.one_minus_beta2 * d, d, v * h.beta2)};
}

// The loop NAdam and RAdam share (s0 = exp_avg, s1 = exp_avg_sq): each element's moments, then `update`, the
// optimizer's own last step, gives the new parameter. (h by value: through a reference its fields would be
// reloaded after every store and the loop not vectorized.)
template <Decay DECAY, class Hyper, class Update>
static void adam_family_loop(const OptimTensor* t, int64_t lo, int64_t hi, const Hyper h, Update update) {
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict m = t->s0;
  float* __restrict v = t->s1;
  const float sign = h.maximize ? -1.0f : 1.0f, one_minus_w = 1.0f - h.lerp_weight;
  for (int64_t i = lo; i < hi; ++i) {
    const Moments s = adam_moments<DECAY>(h, sign, one_minus_w, g[i], p[i], m[i], v[i]);
    m[i] = s.m;
    v[i] = s.v;
    p[i] = update(s);
  }
}

// adam_family_loop compiled once per kind of weight decay, so that each loop is branch-free.
template <class Hyper, class Update>
static void adam_family_range(const OptimTensor* t, int64_t lo, int64_t hi, const Hyper& h, Update update) {
  switch (decay_of(h.weight_decay, h.decoupled)) {
    case kNoDecay: return adam_family_loop<kNoDecay>(t, lo, hi, h, update);
    case kDecoupled: return adam_family_loop<kDecoupled>(t, lo, hi, h, update);
    case kCoupled: return adam_family_loop<kCoupled>(t, lo, hi, h, update);
  }
}

// ---- NAdam / NAdamW ----
static void nadam_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const NadamHyper h = *static_cast<const NadamHyper*>(hv);
  adam_family_range(t, lo, hi, h, [h](const Moments& s) {
    const float denom = __builtin_sqrtf(s.v / h.bc2) + h.eps;
    const float pi = s.p + h.grad_coef * s.d / denom;  // two addcdiv_, as torch
    return pi + h.avg_coef * s.m / denom;
  });
}

// NAdam (decoupled = 0) or NAdamW (decoupled = 1) with momentum_decay and maximize (torch.optim.NAdam).
void nadam_step(const OptimTensor* t, int64_t count, const NadamHyper* h) { run_optim(nadam_range, t, count, h); }

// ---- RAdam ----
static void radam_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const RadamHyper h = *static_cast<const RadamHyper*>(hv);
  adam_family_range(t, lo, hi, h, [h](const Moments& s) {
    const float upd = s.m / h.bc1 * h.lr;
    // torch: bc2_sqrt / (sqrt(v) + eps) is a reciprocal times a scalar; then ((m_hat * lr) * adaptive) * rect.
    // Computed on every step (rectified or not) and selected, to keep the loop branch-free.
    const float adaptive = 1.0f / (__builtin_sqrtf(s.v) + h.eps) * h.bc2_sqrt;
    const float rect_upd = upd * adaptive * h.rect;
    return s.p - (h.rectified ? rect_upd : upd);
  });
}

// RAdam (decoupled = 0) or RAdamW (decoupled = 1) with maximize (torch.optim.RAdam).
void radam_step(const OptimTensor* t, int64_t count, const RadamHyper* h) { run_optim(radam_range, t, count, h); }

// ---- Adamax: s0 = exp_avg, s1 = exp_inf ----
static void adamax_range(const OptimTensor* t, int64_t lo, int64_t hi, const void* hv) {
  const AdamaxHyper h = *static_cast<const AdamaxHyper*>(hv);
  float* __restrict p = t->param;
  const float* __restrict g = t->grad;
  float* __restrict m = t->s0;
  float* __restrict u = t->s1;
  const float sign = h.maximize ? -1.0f : 1.0f, one_minus_w = 1.0f - h.lerp_weight;
  const bool wd = h.weight_decay != 0.0f;
  for (int64_t i = lo; i < hi; ++i) {
    float d = sign * g[i];
    if (wd) d = __builtin_fmaf(h.weight_decay, p[i], d);
    const float mn = lerp_fma(m[i], d, h.lerp_weight, one_minus_w);
    m[i] = mn;
    const float a = u[i] * h.beta2, b = __builtin_fabsf(d) + h.eps;
    const float ui = (a > b || a != a) ? a : b;  // torch.maximum: NaN propagates
    u[i] = ui;
    p[i] = p[i] + h.neg_clr * mn / ui;
  }
}

// Adamax with weight_decay and maximize (torch.optim.Adamax).
void adamax_step(const OptimTensor* t, int64_t count, const AdamaxHyper* h) {
  run_optim(adamax_range, t, count, h);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

}  // namespace fastnn::cpu::FASTNN_ISA_NS
