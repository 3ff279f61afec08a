// Vector math shared by the kernels/ files: a float vector type as wide as the ISA's registers (GCC vector
// extensions, so one source serves generic/SSE2, AVX2 and AVX-512) and an accurate vectorised exp.
//
// Everything here is `static inline` inside the ISA namespace (internal linkage), so the linker never merges a
// copy compiled for one ISA into another (see the rule in cpu/kernels.h).
#pragma once
#include <cstdint>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/kernels.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

#if defined(FASTNN_WIDE)
#define FASTNN_VW 16
#elif defined(__AVX__)
#define FASTNN_VW 8
#else
#define FASTNN_VW 4  // generic x86-64: SSE2
#endif

static const int64_t VW = FASTNN_VW;
typedef float vf __attribute__((vector_size(FASTNN_VW * 4)));
typedef int32_t vi __attribute__((vector_size(FASTNN_VW * 4)));

static inline vf vload(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void vstore(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
static inline vf vset(float s) { return vf{} + s; }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }

// Loads the n < VW elements at p into the low lanes, `pad` in the rest.
static inline vf vload_tail(const float* p, int64_t n, float pad) {
  float buf[FASTNN_VW];
  for (int64_t i = 0; i < VW; ++i) buf[i] = i < n ? p[i] : pad;
  return vload(buf);
}
static inline void vstore_tail(float* p, vf v, int64_t n) {
  float buf[FASTNN_VW];
  vstore(buf, v);
  for (int64_t i = 0; i < n; ++i) p[i] = buf[i];
}

// Lane sum / max in a fixed order (lane 0 first), so results never depend on threads.
static inline float hsum(vf v) {
  float s = v[0];
  for (int i = 1; i < FASTNN_VW; ++i) s += v[i];
  return s;
}
static inline float hmax(vf v) {
  float s = v[0];
  for (int i = 1; i < FASTNN_VW; ++i) s = v[i] > s ? v[i] : s;
  return s;
}

// exp(x), ~1 ulp for x in [-87.33, 88.37]: x = n ln2 + r with n = round(x / ln2) (ln2 split in two so that r
// is exact), e^r by a degree-6 polynomial on |r| <= ln2/2, times 2^n built in the exponent bits. Inputs are
// clamped to that range (no inf/denormal results; callers mask where they need 0). NaN stays NaN.
static inline vf vexp(vf x) {
  const vf hi = vset(88.3762626647949f), lo = vset(-87.3365447504f);
  x = x > hi ? hi : x;  // a NaN compares false and passes both selects unchanged
  x = x < lo ? lo : x;
  const vf magic = vset(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
  const vf t = x * vset(1.44269504088896341f) + magic;
  const vf n = t - magic;
  vf r = x - n * vset(0.693359375f);  // ln2 = 0.693359375 - 2.12194440e-4 (first part has 9 bits)
  r = r - n * vset(-2.12194440e-4f);
  vf p = vset(1.9875691500e-4f);
  p = p * r + vset(1.3981999507e-3f);
  p = p * r + vset(8.3334519073e-3f);
  p = p * r + vset(4.1665795894e-2f);
  p = p * r + vset(1.6666665459e-1f);
  p = p * r + vset(5.0000001201e-1f);
  p = p * (r * r) + r + vset(1.0f);
  const vi e = (__builtin_convertvector(n, vi) + 127) << 23;
  vf scale;
  __builtin_memcpy(&scale, &e, sizeof scale);
  return p * scale;
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
