// SGEMM (BLIS-style: packed panels, MC/KC/NC cache blocking, an MR x NR register-tiled microkernel) and the
// bias gradient. Row-major throughout.
//
// Loop nest, outermost first (B block stays in L3/L2, A block in L2, one B micro-panel in L1):
//   jc: N in NC columns -> pc: K in KC -> pack op(B)[pc, jc] (shared by the threads)
//     -> ic: M in MC rows -> pack op(A)[ic, pc] (per thread) -> jr: NR columns -> ir: MR rows -> microkernel
// Packing is skipped where it cannot pay for itself (the small MLP products): the microkernel addresses op(A) by
// a row stride and a k stride, so A is read in place in either layout when it (or, stored [M, K], a block of its
// rows over all of K) fits in L2 and few column panels reuse it (N small); op(B) stored [K, N] is read in place
// when few row panels reuse it (M small), only its ragged last panel being packed (zero-padded).
//
// Threads split the output (rows, or columns when M is short), never K; every element is computed by the same
// instruction sequence whatever the thread count, so 1 and 2 threads give bit-identical results.
#include <cstdlib>
#include <cstring>

#include "cpu/kernels.h"
#include "cpu/kernels/parallel.h"
#include "cpu/kernels/simd.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnn::cpu::FASTNN_ISA_NS {

// Register tile MR x NR (NR = NV vectors) and cache blocks. MC, NC are multiples of MR, NR.
#if defined(FASTNN_WIDE)
static const int64_t MR = 8;
#else
static const int64_t MR = 6;
#endif
static const int64_t NV = 2;
static const int64_t NR = NV * FASTNN_VL;
static const int64_t MC = 144;
static const int64_t KC = 256;
static const int64_t NC = (4080 / NR) * NR;
// Products with fewer multiply-adds than this stay on one thread: waking a sleeping worker costs ~50-70 us here
// (measured with a 100 us pause between calls, as in a training step), more than a 64x784x128 product saves.
static const int64_t kParallelMacs = int64_t(1) << 23;
// Packing pays off when the packed panels are reused by many tiles. op(A) is read in place when it fits in L2
// (bytes) and is used by few column panels (N); op(B) [K, N] when it is used by few row panels (M) over a short
// K block (M * kc: the batch-256 dW1, (128 x 256)^T @ (256 x 784), ran 1.06-1.09x faster packed, while M = 128
// with K = 64 or 128 ran 4-6% faster in place; sgemm_ab.py).
static const int64_t kDirectBytes = 256 * 1024;
static const int64_t kDirectMaxN = 256;
static const int64_t kDirectMaxM = 128;
static const int64_t kDirectMaxMK = 128 * 192;
static const int64_t kDirectMaxK = 1024;
// An operand read in place streams the same kc rows (one line each) for every tile. Rows whose byte stride is a
// multiple of 64 * 2^p fall into 1 / 2^p of a cache's sets; when there are more rows than those sets' lines, the
// rows are fetched from the next level again for every tile. Counted for the smaller of this code's targets
// (Zen 3: L1 32 KB, 8-way, 64-byte lines): op(B) read in place must fit in L1's sets ((64 x 300) @ (300 x 1024),
// rows 4 KB apart: 1.4-1.7x slower in place than packed; (96 x 256) @ (256 x 512), rows 2 KB apart, which only
// L2's sets held: 1.25x slower), as must op(A) read in place with trans_a (one line per k; (1024 x 64)^T @
// (64 x 200), rows 4 KB apart: 1.85x slower in place).
// Rows that do not fit L1's sets still stream from L2 at full speed while they are at most 1 KB apart (a page
// holds four or more of them, and the stride prefetcher keeps ahead); there op(A) with trans_a is read in place
// when few column panels use it, since packing its 6-float rows costs about as much as one pass of the tiles
// over them. (64 x 256)^T @ (256 x 128), the batch-256 dW2, and eleven other such products with N <= 128 ran
// 1.03-1.26x faster in place, and (128 x 512)^T @ (512 x 128) 0.995x; with N = 200 or 256, or rows 2 KB
// apart, in place lost 3-6% (sgemm_ab.py).
static const int64_t kStridedMaxBytes = 1024;
static const int64_t kStridedMaxN = 128;
static const int64_t kL1Sets = 64;
static const int64_t kWays = 8;
static bool rows_fit(int64_t ld, int64_t rows, int64_t cache_sets) {
  const int64_t bytes = ld * int64_t(sizeof(float));
  if (bytes % 64) return true;
  const int64_t lines = (bytes / 64) % cache_sets;
  const int64_t low_bit = lines & -lines;  // gcd(lines, cache_sets); 0 when rows are cache_sets lines apart
  const int64_t sets = lines == 0 ? 1 : cache_sets / low_bit;
  return sets * kWays >= rows;
}

// C rows a multiple of 4 KB apart (ldc = 1024, 2048, ... floats) map to the same cache sets, and every K block
// re-reads and rewrites the tiles: large products of several K blocks then accumulate into a copy of C whose rows
// are kCopyPad (or twice that) floats longer, no longer 4 KB apart, copied back at the end (2048^3 and
// 1024 x 1024 x 4096: 1.05-1.12x in a C++ A/B). The copy is per-thread scratch kept for the next call, so it is
// made only for C up to kCopyMaxFloats.
static const int64_t kAliasFloats = 1024;
static const int64_t kCopyPad = 16;
static const int64_t kCopyMinMacs = int64_t(1) << 27;
static const int64_t kCopyMaxFloats = int64_t(1) << 23;

struct Epilogue {
  float alpha, beta;   // C = alpha * acc + beta * C (beta == 0: C is not read)
  const float* bias;   // NR values added per column, or nullptr
  int relu;            // then max(., 0)
};

// acc[i][j] = sum_k a[i*ars + k*aks] * b[k*sb + j] for i < R, j < V vectors (NR by default); then
// C[i*ldc + j] = epilogue(acc).
// op(A) is addressed by a row stride and a k stride, so a packed panel (1, MR), A read in place with trans_a
// (1, lda) and A read in place without it (lda, 1) share this code. Rows i >= mr re-read row mr - 1 (their
// results are discarded), so an unpacked ragged panel never reads past A. b: V vectors per k step (stride sb).
// R < MR serves the last, ragged row panel exactly (M = 64 is 10 panels of 6 and one of 4).
// AM fixes the strides known at compile time: kPacked, a packed panel (ars 1, aks MR, zero rows past mr: the k
// loop walks one pointer with fixed displacements, ~5% on large products against runtime strides); kRows, A's
// rows read in place (aks 1); kCols, A^T read in place (ars 1). With both strides at run time, the k loop of
// the forward's (64 x 784) @ (784 x 128)^T ran out of registers once the plain epilogue below was added (4-5%
// slower); with one fixed, it is as fast as before.
// PLAIN (beta 0, no bias, no ReLU, as every backward product): the tile is stored as it is, times alpha. The
// general epilogue tests e's fields per store, and re-reads them from memory, since C's stores may alias `e`:
// the K = 64 products of the MLP's backward took 5-20% longer that way (benchmarks/sgemm_ab.py).
enum AMode { kPacked, kRows, kCols };

template <int R, int AM, int V, bool PLAIN>
static inline void microkernel(int64_t kc, const float* a, int64_t ars, int64_t aks, int64_t mr, const float* b,
                               int64_t sb, float* c, int64_t ldc, const Epilogue& e) {
  if (AM == kPacked) {
    ars = 1;
    aks = MR;
    mr = R;
  }
  if (AM == kRows) aks = 1;
  if (AM == kCols) ars = 1;
  const float* ar[R];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) ar[i] = a + (i < mr ? i : mr - 1) * ars;
  // C's lines arrive while the k loop runs. With AVX-512 (Zen 4), prefetching a C that is only written (beta 0)
  // made the products with K <= 64 1.01-1.35x slower and the forward products of one K block 1.005-1.02x
  // (sgemm_ab.py), so only a C that is read is. The PLAIN test stays at compile time: a run-time test alone lost
  // the gain. With AVX2 the prefetch was neutral there and stays.
#if defined(FASTNN_WIDE)
  if (!PLAIN && e.beta != 0.0f)
#endif
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      __builtin_prefetch(c + i * ldc, 1, 3);
      __builtin_prefetch(c + i * ldc + V * FASTNN_VL - 1, 1, 3);
    }
  vf acc[R][V];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[i][v] = v_zero();
  int64_t off = 0;
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    vf bv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) bv[v] = v_load(b + v * FASTNN_VL);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const vf av = v_bcast(ar[i] + off);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[i][v] = v_fma(av, bv[v], acc[i][v]);
    }
    off += aks;
    b += sb;
  }
  if (PLAIN) {
    const bool scale = e.alpha != 1.0f;
    const vf alpha = v_set1(e.alpha);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) v_store(c + i * ldc + v * FASTNN_VL, scale ? v_mul(acc[i][v], alpha) : acc[i][v]);
    return;
  }
  const vf alpha = v_set1(e.alpha), beta = v_set1(e.beta);
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      vf r = v_mul(acc[i][v], alpha);
      if (e.beta != 0.0f) r = v_fma(beta, v_load(ci + v * FASTNN_VL), r);
      if (e.bias) r = v_add(r, v_load(e.bias + v * FASTNN_VL));
      if (e.relu) r = v_relu(r);
      v_store(ci + v * FASTNN_VL, r);
    }
  }
}

// A tile of mr rows (mr <= MR) and V vectors' width.
template <int AM, int V, bool PLAIN>
static void full_width_tile(int64_t kc, const float* a, int64_t ars, int64_t aks, const float* b, int64_t sb,
                            float* c, int64_t ldc, int64_t mr, const Epilogue& e) {
  switch (mr) {
#if defined(FASTNN_WIDE)
    case 8: return microkernel<8, AM, V, PLAIN>(kc, a, ars, aks, 8, b, sb, c, ldc, e);
    case 7: return microkernel<7, AM, V, PLAIN>(kc, a, ars, aks, 7, b, sb, c, ldc, e);
#endif
    case 6: return microkernel<6, AM, V, PLAIN>(kc, a, ars, aks, 6, b, sb, c, ldc, e);
    case 5: return microkernel<5, AM, V, PLAIN>(kc, a, ars, aks, 5, b, sb, c, ldc, e);
    case 4: return microkernel<4, AM, V, PLAIN>(kc, a, ars, aks, 4, b, sb, c, ldc, e);
    case 3: return microkernel<3, AM, V, PLAIN>(kc, a, ars, aks, 3, b, sb, c, ldc, e);
    case 2: return microkernel<2, AM, V, PLAIN>(kc, a, ars, aks, 2, b, sb, c, ldc, e);
    default: return microkernel<1, AM, V, PLAIN>(kc, a, ars, aks, 1, b, sb, c, ldc, e);
  }
}

// dst[0:n] = src[0:n]: whole vectors, then lane by lane (a libc memcpy call per row of a ragged tile cost more
// than the copy).
static inline void copy_row(float* dst, const float* src, int64_t n) {
  int64_t j = 0;
  for (; j + FASTNN_VL <= n; j += FASTNN_VL) v_store(dst + j, v_load(src + j));
  for (; j < n; ++j) dst[j] = src[j];
}

// A tile narrower than V vectors: the microkernel runs on a local MR x (V vectors) copy, so its arithmetic is
// that of a full tile; b must hold a full, zero-padded panel. The copy's columns past nr are never stored, and
// read only as C with beta != 0 (then zeroed first).
template <int AM, int V, bool PLAIN>
static void ragged_tile(int64_t kc, const float* a, int64_t ars, int64_t aks, const float* b, int64_t sb, float* c,
                        int64_t ldc, int64_t mr, int64_t nr, const Epilogue& e) {
  constexpr int64_t W = V * FASTNN_VL;
  alignas(64) float t[MR * W];
  alignas(64) float tbias[W];
  Epilogue et = e;
  if (e.beta != 0.0f) {
    std::memset(t, 0, sizeof(t));
    for (int64_t i = 0; i < mr; ++i) copy_row(t + i * W, c + i * ldc, nr);
  }
  if (e.bias) {
    std::memset(tbias, 0, sizeof(tbias));
    std::memcpy(tbias, e.bias, nr * sizeof(float));
    et.bias = tbias;
  }
  microkernel<MR, AM, V, PLAIN>(kc, a, ars, aks, mr, b, sb, t, W, et);
  for (int64_t i = 0; i < mr; ++i) copy_row(c + i * ldc, t + i * W, nr);
}

// One mr x nr tile (mr <= MR, nr <= NR) of C. A tile of at most one vector's width (a product with few columns,
// or its last panel) runs the one-vector microkernel: the full one would spend half its multiply-adds or more
// on padding. Every element is the same chain of multiply-adds in any of these tiles, so results do not depend
// on which one computed them.
template <int AM, bool PLAIN>
static void tile(int64_t kc, const float* a, int64_t ars, int64_t aks, const float* b, int64_t sb, float* c,
                 int64_t ldc, int64_t mr, int64_t nr, const Epilogue& e) {
  if (nr == NR) return full_width_tile<AM, NV, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, e);
  if (nr == FASTNN_VL) return full_width_tile<AM, 1, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, e);
  if (nr < FASTNN_VL) return ragged_tile<AM, 1, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, nr, e);
  ragged_tile<AM, NV, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, nr, e);
}

// tile<AM, PLAIN> for a run-time A mode.
template <bool PLAIN>
static void any_tile(int am, int64_t kc, const float* a, int64_t ars, int64_t aks, const float* b, int64_t sb,
                     float* c, int64_t ldc, int64_t mr, int64_t nr, const Epilogue& e) {
  if (am == kPacked) return tile<kPacked, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, nr, e);
  if (am == kRows) return tile<kRows, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, nr, e);
  tile<kCols, PLAIN>(kc, a, ars, aks, b, sb, c, ldc, mr, nr, e);
}

// The whole product's description, shared by the threads.
struct Gemm {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  const float* bias;
  int relu;
  int64_t kc;               // K block: K split into equal blocks of at most KC, or all of K (a_direct)
  int64_t mc;               // row block: MC, or with a_direct rows of op(A) that fit in L2
  bool a_direct, b_direct;  // read op(A) / op(B) in place instead of packing
  bool split_m;             // threads split rows (else columns)
};

// dst[k * S + r] = src[r * ld + k] for r < rows, k < kc, and 0 for rows <= r < S (S <= 32): a transposing copy
// of `rows` rows into a panel of S interleaved rows. With AVX2, 8 x 8 blocks go through registers; a 6-row
// block stores 8 lanes and the next k overwrites the 2 extra, so the destination needs 2 floats of slack.
static void pack_transposed(const float* src, int64_t ld, int64_t rows, int64_t kc, float* dst, int64_t S) {
  int64_t k0 = 0;
#if defined(__AVX2__)
  const int64_t kv = kc & ~int64_t(7);
  for (int64_t k = 0; k < kv; k += 8) {
    for (int64_t rb = 0; rb < S; rb += 8) {
      const int64_t valid = rows - rb < 0 ? 0 : (rows - rb < 8 ? rows - rb : 8);
      __m256 r[8];
      for (int64_t i = 0; i < 8; ++i)
        r[i] = i < valid ? _mm256_loadu_ps(src + (rb + i) * ld + k) : _mm256_setzero_ps();
      const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
      const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
      const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
      const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
      const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float* d = dst + k * S + rb;
      _mm256_storeu_ps(d + 0 * S, _mm256_permute2f128_ps(s0, s4, 0x20));
      _mm256_storeu_ps(d + 1 * S, _mm256_permute2f128_ps(s1, s5, 0x20));
      _mm256_storeu_ps(d + 2 * S, _mm256_permute2f128_ps(s2, s6, 0x20));
      _mm256_storeu_ps(d + 3 * S, _mm256_permute2f128_ps(s3, s7, 0x20));
      _mm256_storeu_ps(d + 4 * S, _mm256_permute2f128_ps(s0, s4, 0x31));
      _mm256_storeu_ps(d + 5 * S, _mm256_permute2f128_ps(s1, s5, 0x31));
      _mm256_storeu_ps(d + 6 * S, _mm256_permute2f128_ps(s2, s6, 0x31));
      _mm256_storeu_ps(d + 7 * S, _mm256_permute2f128_ps(s3, s7, 0x31));
    }
  }
  k0 = kv;
#endif
  for (int64_t k = k0; k < kc; ++k) {
    float* d = dst + k * S;
    for (int64_t r = 0; r < rows; ++r) d[r] = src[r * ld + k];
    for (int64_t r = rows; r < S; ++r) d[r] = 0.0f;
  }
}

// Copies the [kc, cols] block src (row stride ld) into S-wide panels, panel p at dst + p * S * kc holding
// dst[k * S + c] = src[k * ld + p * S + c] (the last panel zero-padded to S): a panel copy, no transpose.
// Rows are read a group of panels (>= 64 floats) at a time: one S-wide strip at a time walks kc rows ld apart,
// one or two cache lines per row, which the hardware prefetchers follow poorly (a 256 x 2048 block of B: 205 us
// that way, 135 us this way).
static const int64_t kPackAhead = 8;  // rows ahead whose lines pack_copy requests

template <int64_t S>
static void pack_copy(const float* src, int64_t ld, int64_t cols, int64_t kc, float* dst) {
  const int64_t panels = (cols + S - 1) / S, group = (64 + S - 1) / S;
  for (int64_t p0 = 0; p0 < panels; p0 += group) {
    const int64_t p1 = p0 + group < panels ? p0 + group : panels;
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ld;
      if (k + kPackAhead < kc)  // rows 4 KB or more apart: each in its own page, where prefetchers stop
        for (int64_t c = p0 * S; c < p1 * S && c < cols; c += 16) __builtin_prefetch(s + kPackAhead * ld + c, 0, 3);
      for (int64_t p = p0; p < p1; ++p) {
        float* d = dst + p * S * kc + k * S;
        const int64_t c0 = p * S, w = cols - c0 < S ? cols - c0 : S;
        if (w == S) {
          std::memcpy(d, s + c0, S * sizeof(float));
        } else {
          for (int64_t c = 0; c < w; ++c) d[c] = s[c0 + c];
          for (int64_t c = w; c < S; ++c) d[c] = 0.0f;
        }
      }
    }
  }
}

// Packs n lines of a kc-deep operand block into S-wide panels: dst[k * S + c] for line c of its panel (one panel
// per S * kc floats, the last one zero-padded). by_rows: line c is the row src + c * ld, k running along it (a
// transposing copy); else line c is column c of the rows src + k * ld (a panel copy).
template <int64_t S>
static void pack_block(bool by_rows, const float* src, int64_t ld, int64_t n, int64_t kc, float* dst) {
  if (!by_rows) return pack_copy<S>(src, ld, n, kc, dst);
  for (int64_t c = 0; c < n; c += S) pack_transposed(src + c * ld, ld, n - c < S ? n - c : S, kc, dst + c * kc, S);
}

// Rows [i0, i0 + rows) of op(A), k in [p0, p0 + kc), as MR-row panels. op(A)[i][k] = A[k * lda + i] with ta,
// else A[i * lda + k].
static void pack_a_block(const Gemm& g, int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
  pack_block<MR>(!g.ta, g.ta ? g.A + p0 * g.lda + i0 : g.A + i0 * g.lda + p0, g.lda, rows, kc, dst);
}

// Columns [j0, j0 + cols) of op(B), k in [p0, p0 + kc), as NR-column panels. op(B)[k][j] = B[j * ldb + k] with
// tb, else B[k * ldb + j].
static void pack_b_block(const Gemm& g, int64_t j0, int64_t cols, int64_t p0, int64_t kc, float* dst) {
  pack_block<NR>(g.tb, g.tb ? g.B + j0 * g.ldb + p0 : g.B + p0 * g.ldb + j0, g.ldb, cols, kc, dst);
}

// Per-thread scratch that grows and is kept (no allocation, no page faults on the hot path after warm-up).
struct Scratch {
  float* p = nullptr;
  int64_t cap = 0;
  ~Scratch() { std::free(p); }
};
// required: abort when memory runs out (the packing buffers); else return nullptr (the optional copy of C).
static float* scratch(Scratch& s, int64_t n, bool required = true) {
  if (n > s.cap) {
    std::free(s.p);
    const int64_t bytes = (((n + 16) * int64_t(sizeof(float)) + 63) / 64) * 64;  // + slack, see pack_transposed
    s.p = static_cast<float*>(std::aligned_alloc(64, bytes));
    s.cap = s.p ? n : 0;
    if (!s.p && required) std::abort();
  }
  return s.p;
}
static thread_local Scratch tl_apack, tl_bedge, tl_bpack, tl_ccopy;

static void copy_rows(const float* src, int64_t ld_src, int64_t rows, int64_t cols, float* dst, int64_t ld_dst) {
  for (int64_t i = 0; i < rows; ++i) std::memcpy(dst + i * ld_dst, src + i * ld_src, cols * sizeof(float));
}

// Thread `tid` of `nt` computes its share of the product (nt == 1: everything, no barriers).
static void gemm_thread(const Gemm& g, int tid, int nt) {
  float* apack = g.a_direct ? nullptr : scratch(tl_apack, MC * g.kc);
  // Each thread packs the op(B) panels it reads itself: no barrier ever waits on another thread (a barrier wait
  // that outlasts the short spin sleeps, and waking costs ~50-70 us here).
  float* bpack = g.b_direct ? nullptr : scratch(tl_bpack, g.kc * (((g.N < NC ? g.N : NC) + NR - 1) / NR) * NR);
  float* bedge = scratch(tl_bedge, NR * g.kc);
  const int64_t m_panels = (g.M + MR - 1) / MR;
  const int am = !g.a_direct ? kPacked : g.ta ? kCols : kRows;
  for (int64_t jc = 0; jc < g.N; jc += NC) {
    const int64_t nc = g.N - jc < NC ? g.N - jc : NC;
    const int64_t n_panels = (nc + NR - 1) / NR;
    // This thread's rows [m0, m1) and columns [n0, n1) of the block, on the MR / NR grid.
    int64_t m0 = 0, m1 = g.M, n0 = 0, n1 = nc;
    if (nt > 1 && g.split_m) {
      m0 = (m_panels * tid / nt) * MR;
      m1 = (m_panels * (tid + 1) / nt) * MR;
      if (m1 > g.M) m1 = g.M;
    } else if (nt > 1) {
      n0 = (n_panels * tid / nt) * NR;
      n1 = (n_panels * (tid + 1) / nt) * NR;
      if (n1 > nc) n1 = nc;
    }
    // One row block (short M, as the MLP's forward products): each B panel is packed just before its tiles use
    // it, so it is still in L1/L2 then, instead of the whole block going out to L3 and coming back. Panels copied
    // from B's rows (no transpose) are packed a group at a time: one NR-wide strip per row is a single line from
    // each of kc rows ldb apart, which the prefetchers follow poorly; a group reads >= 64 floats of each row (as
    // pack_copy does for whole blocks; (96 x 1000) @ (1000 x 4096): 1.3x faster than one panel at a time).
    const bool pack_each = !g.b_direct && m1 - m0 <= g.mc;
    const int64_t pack_group = g.tb ? NR : ((64 + NR - 1) / NR) * NR;  // columns packed at once
    for (int64_t pc = 0; pc < g.K; pc += g.kc) {
      const int64_t kc = g.K - pc < g.kc ? g.K - pc : g.kc;
      const bool last = pc + kc == g.K;
      const Epilogue e{g.alpha, pc == 0 ? g.beta : 1.0f, last ? g.bias : nullptr, last ? g.relu : 0};
      const bool plain = e.beta == 0.0f && !e.bias && !e.relu;
      if (!g.b_direct) {
        if (!pack_each) pack_b_block(g, jc + n0, n1 - n0, pc, kc, bpack + n0 * kc);
      } else if (n1 > n0 && (n1 - n0) % NR != 0 && n1 == nc) {
        pack_b_block(g, jc + (n1 / NR) * NR, n1 % NR, pc, kc, bedge);  // ragged last panel
      }
      for (int64_t ic = m0; ic < m1; ic += g.mc) {
        const int64_t mc = m1 - ic < g.mc ? m1 - ic : g.mc;
        if (!g.a_direct) pack_a_block(g, ic, mc, pc, kc, apack);
        for (int64_t jr = n0; jr < n1; jr += NR) {
          const int64_t nr = n1 - jr < NR ? n1 - jr : NR;
          const float* b;
          int64_t sb;
          if (pack_each) {
            const int64_t in_group = (jr - n0) % pack_group;
            if (in_group == 0) pack_b_block(g, jc + jr, n1 - jr < pack_group ? n1 - jr : pack_group, pc, kc, bpack);
            b = bpack + in_group * kc;
            sb = NR;
          } else if (!g.b_direct) {
            b = bpack + (jr / NR) * NR * kc;
            sb = NR;
          } else if (nr == NR) {
            b = g.B + pc * g.ldb + jc + jr;
            sb = g.ldb;
          } else {
            b = bedge;
            sb = NR;
          }
          Epilogue ej = e;
          if (e.bias) ej.bias = e.bias + jc + jr;
          float* cj = g.C + jc + jr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = mc - ir < MR ? mc - ir : MR;
            const float* a;
            int64_t ars, aks;
            if (!g.a_direct) {
              a = apack + ir * kc;
              ars = 1;
              aks = MR;
            } else if (g.ta) {
              a = g.A + pc * g.lda + ic + ir;
              ars = 1;
              aks = g.lda;
            } else {
              a = g.A + (ic + ir) * g.lda + pc;
              ars = g.lda;
              aks = 1;
            }
            float* ct = cj + (ic + ir) * g.ldc;
            if (plain)
              any_tile<true>(am, kc, a, ars, aks, b, sb, ct, g.ldc, mr, nr, ej);
            else
              any_tile<false>(am, kc, a, ars, aks, b, sb, ct, g.ldc, mr, nr, ej);
          }
        }
      }
    }
  }
}

// ---- Products with one output row or column (matrix-vector): the register tile would waste all but one of its
// rows or columns, so they run as dot products or as sums of scaled rows instead ((1000 x 1000) @ (1000 x 1): 7x
// faster than through the tile). Each output element is still one fixed sequence of operations.

// The GEMM epilogue of one element: alpha * acc, + beta * c (c not read when beta == 0), + bias, then ReLU.
static inline float epilogue(float acc, float* c, float alpha, float beta, const float* bias, int relu) {
  float r = acc * alpha;
  if (beta != 0.0f) r = __builtin_fmaf(beta, *c, r);
  if (bias) r += *bias;
  if (relu && r < 0.0f) r = 0.0f;  // NaN stays NaN, as v_relu
  return r;
}

// y[r] = dot(rows[r * ld : r * ld + K], x) for r < R: R rows side by side, two VL-lane chains each along K (R
// rows' loads in flight at once; their misses overlap), then each row's lanes summed by a fixed tree and its
// last K % VL products added in order. Every row takes the same instruction sequence whatever R, so results do not
// depend on how rows are grouped (or split over threads). One row at a time, with four chains and its lanes
// summed one after another, ran at 0.65-0.73x OpenBLAS (sgemm_ab.py).
template <int R>
static inline void dot_rows_block(int64_t K, const float* rows, int64_t ld, const float* x, float* y) {
  vf acc[R][2];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = v_zero();
  int64_t k = 0;
  for (; k + 2 * FASTNN_VL <= K; k += 2 * FASTNN_VL) {
    const vf x0 = v_load(x + k), x1 = v_load(x + k + FASTNN_VL);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      acc[r][0] = v_fma(v_load(rows + r * ld + k), x0, acc[r][0]);
      acc[r][1] = v_fma(v_load(rows + r * ld + k + FASTNN_VL), x1, acc[r][1]);
    }
  }
  if (k + FASTNN_VL <= K) {
    const vf x0 = v_load(x + k);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[r][0] = v_fma(v_load(rows + r * ld + k), x0, acc[r][0]);
    k += FASTNN_VL;
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    float s = v_hsum(v_add(acc[r][0], acc[r][1]));
    for (int64_t kk = k; kk < K; ++kk) s = __builtin_fmaf(rows[r * ld + kk], x[kk], s);
    y[r] = s;
  }
}

// y[i] = dot(rows[i * ld : i * ld + K], x) for i < n, four rows at a time.
static void dot_rows(int64_t n, int64_t K, const float* rows, int64_t ld, const float* x, float* y) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) dot_rows_block<4>(K, rows + i * ld, ld, x, y + i);
  switch (n - i) {
    case 3: return dot_rows_block<3>(K, rows + i * ld, ld, x, y + i);
    case 2: return dot_rows_block<2>(K, rows + i * ld, ld, x, y + i);
    case 1: return dot_rows_block<1>(K, rows + i * ld, ld, x, y + i);
    default: return;
  }
}

// y[j] = sum over k < K of x[k] * rows[k * ld + j], for j < n: k in order, rows streamed into a block of y that
// stays in L1, four rows per pass over it (a quarter of the loads and stores of y; a block of columns held in
// registers instead walked the rows ld apart).
static void scaled_row_sums(int64_t n, int64_t K, const float* x, const float* rows, int64_t ld, float* y) {
  const int64_t block = 2048;  // floats of y: 8 KB
  for (int64_t j0 = 0; j0 < n; j0 += block) {
    const int64_t w = n - j0 < block ? n - j0 : block;
    const int64_t wv = w & ~(FASTNN_VL - 1);
    float* yb = y + j0;
    for (int64_t j = 0; j < w; ++j) yb[j] = 0.0f;
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
      const float* r = rows + k * ld + j0;
      const vf x0 = v_set1(x[k]), x1 = v_set1(x[k + 1]), x2 = v_set1(x[k + 2]), x3 = v_set1(x[k + 3]);
      for (int64_t j = 0; j < wv; j += FASTNN_VL) {
        vf v = v_fma(x0, v_load(r + j), v_load(yb + j));
        v = v_fma(x1, v_load(r + ld + j), v);
        v = v_fma(x2, v_load(r + 2 * ld + j), v);
        v_store(yb + j, v_fma(x3, v_load(r + 3 * ld + j), v));
      }
      for (int64_t j = wv; j < w; ++j) {
        float v = __builtin_fmaf(x[k], r[j], yb[j]);
        v = __builtin_fmaf(x[k + 1], r[ld + j], v);
        v = __builtin_fmaf(x[k + 2], r[2 * ld + j], v);
        yb[j] = __builtin_fmaf(x[k + 3], r[3 * ld + j], v);
      }
    }
    for (; k < K; ++k) {
      const float* r = rows + k * ld + j0;
      const vf xv = v_set1(x[k]);
      for (int64_t j = 0; j < wv; j += FASTNN_VL) v_store(yb + j, v_fma(xv, v_load(r + j), v_load(yb + j)));
      for (int64_t j = wv; j < w; ++j) yb[j] = __builtin_fmaf(x[k], r[j], yb[j]);
    }
  }
}

// The product when M == 1 or N == 1 (K >= 1). The vector operand is copied when strided; the result goes
// through a contiguous buffer of the output's length, then the epilogue writes it (C's stride: ldc per row, 1
// per column).
static void gemv(const Gemm& g) {
  const bool column = g.N == 1;  // else one row
  const int64_t n = column ? g.M : g.N;
  // The vector: op(B)[:, 0] (column) or op(A)[0, :] (row); contiguous when B is stored [1, K] / A [1, K].
  const float* vec = column ? g.B : g.A;
  const int64_t vec_step = column ? (g.tb ? 1 : g.ldb) : (g.ta ? g.lda : 1);
  float* buf = scratch(tl_bedge, g.K + n);
  if (vec_step != 1) {
    for (int64_t k = 0; k < g.K; ++k) buf[k] = vec[k * vec_step];
    vec = buf;
  }
  float* y = buf + g.K;
  // The matrix: rows along K (dot products) or rows along the output (sums of scaled rows).
  const float* mat = column ? g.A : g.B;
  const int64_t ld = column ? g.lda : g.ldb;
  const bool along_k = column ? !g.ta : g.tb;
  // Threads take whole register blocks of outputs, so each output is computed the same way on any team.
  const int64_t K = g.K, blocks = (n + 4 * FASTNN_VL - 1) / (4 * FASTNN_VL);
  for_ranges(blocks, n * K >= kParallelMacs && n >= 2 * 4 * FASTNN_VL, [=](int64_t b0, int64_t b1) {
    const int64_t i0 = b0 * 4 * FASTNN_VL, i1 = b1 * 4 * FASTNN_VL < n ? b1 * 4 * FASTNN_VL : n;
    if (along_k)
      dot_rows(i1 - i0, K, mat + i0 * ld, ld, vec, y + i0);
    else
      scaled_row_sums(i1 - i0, K, vec, mat + i0, ld, y + i0);
  });
  const int64_t c_step = column ? g.ldc : 1;
  for (int64_t i = 0; i < n; ++i) {
    const float* bias = g.bias ? (column ? g.bias : g.bias + i) : nullptr;
    float* c = g.C + i * c_step;
    *c = epilogue(y[i], c, g.alpha, g.beta, bias, g.relu);
  }
}

// C[M,N] = alpha * op(A) @ op(B) + beta * C (+ bias[N] per column) (then max(., 0) when relu).
// op(A) = A [M,K] (lda >= K), or with trans_a A stored [K,M] (lda >= M); op(B) = B [K,N] (ldb >= N), or with
// trans_b B stored [N,K] (ldb >= K). C [M,N] with ldc >= N, not aliasing A or B. beta == 0 never reads C.
// Any sizes >= 0; K == 0 gives C = beta * C (+ bias). Threads: num_threads() above kParallelMacs.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const float* bias, int relu) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i) {
      float* c = C + i * ldc;
      for (int64_t j = 0; j < N; ++j) {
        float v = beta == 0.0f ? 0.0f : beta * c[j];
        if (bias) v += bias[j];
        if (relu && v < 0.0f) v = 0.0f;
        c[j] = v;
      }
    }
    return;
  }
  Gemm g{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, bias, relu};
  if (M == 1 || N == 1) return gemv(g);
  const int64_t kblocks = (K + KC - 1) / KC;
  g.kc = (K + kblocks - 1) / kblocks;
  // An operand that only one column (row) panel of the other uses is read once: packing it cannot pay.
  const bool a_once = N <= NR, b_once = M <= 2 * MR;
  // op(A) read in place sits in L2 whatever the K block; one block then saves the extra passes over C
  // (the MLP's 64x784x128 forward product: ~8% faster measured against KC-sized blocks).
  const int64_t kc_in_place = K <= kDirectMaxK ? K : g.kc;
  g.a_direct = a_once || (M * K * int64_t(sizeof(float)) <= kDirectBytes && N <= kDirectMaxN &&
                          (!trans_a || rows_fit(lda, kc_in_place, kL1Sets) ||
                           (N <= kStridedMaxN && lda * int64_t(sizeof(float)) <= kStridedMaxBytes)));
  // A taller op(A) [M, K] with K over one K block is read in place too, in blocks of rows that fit in L2, each
  // over all of K: one pass over C instead of one per K block, and no packing of A; op(B) is packed once for
  // them all. (256 x 784) @ (784 x 128)^T, the batch-256 forward: 1.09-1.10x; six others with K 300-1024:
  // 1.04-1.15x, and 256^2 x 512 1.01x. With K <= KC (one K block either way) it lost 2-7% (sgemm_ab.py).
  g.mc = MC;
  if (!g.a_direct && !trans_a && N <= kDirectMaxN && K > KC && K <= kDirectMaxK) {
    const int64_t fit = kDirectBytes / (K * int64_t(sizeof(float))), blocks = (M + fit - 1) / fit;
    g.mc = ((M + blocks - 1) / blocks + MR - 1) / MR * MR;
    g.a_direct = true;
  }
  if (g.a_direct) g.kc = kc_in_place;
  g.b_direct = !trans_b && (b_once || (M <= kDirectMaxM && M * g.kc <= kDirectMaxMK && rows_fit(ldb, g.kc, kL1Sets)));
  int nt = num_threads();
  if (M * N * K < kParallelMacs) nt = 1;
  const int64_t m_panels = (M + MR - 1) / MR, n_panels = ((N < NC ? N : NC) + NR - 1) / NR;
  // Split columns when there are enough of them: each thread then packs only its own B panels (splitting rows
  // makes every thread pack all of B, which costs L3 bandwidth on large products).
  g.split_m = n_panels < 4 * int64_t(nt) && m_panels >= n_panels;
  if (nt > 1 && (g.split_m ? m_panels : n_panels) < nt) nt = 1;
  float* copy = nullptr;
  const int64_t ld_copy = (N + kCopyPad) % kAliasFloats ? N + kCopyPad : N + 2 * kCopyPad;
  if (K > g.kc && ldc % kAliasFloats == 0 && M * N * K >= kCopyMinMacs && M * ld_copy <= kCopyMaxFloats)
    copy = scratch(tl_ccopy, M * ld_copy, false);
  if (copy) {
    g.C = copy;
    g.ldc = ld_copy;
    if (beta != 0.0f) copy_rows(C, ldc, M, N, copy, ld_copy);
  }
  if (nt == 1) {
    gemm_thread(g, 0, 1);
  } else {
#pragma omp parallel num_threads(nt)
    {
#ifdef _OPENMP
      gemm_thread(g, omp_get_thread_num(), omp_get_num_threads());
#else
      gemm_thread(g, 0, 1);
#endif
    }
  }
  if (copy) copy_rows(copy, ld_copy, M, N, C, ldc);
}

static const int64_t kBiasGradBlock = 64;  // columns summed at once (held in registers)

// Columns [blk * kBiasGradBlock, + kBiasGradBlock) of bias_grad.
static void bias_grad_block(const float* G, int64_t M, int64_t N, float* out, float beta, int64_t blk) {
  const int64_t j0 = blk * kBiasGradBlock;
  const int64_t w = N - j0 < kBiasGradBlock ? N - j0 : kBiasGradBlock;
  alignas(64) float acc[kBiasGradBlock];
  for (int64_t j = 0; j < kBiasGradBlock; ++j) acc[j] = 0.0f;
  if (w == kBiasGradBlock) {
    for (int64_t i = 0; i < M; ++i) {
      const float* g = G + i * N + j0;
#pragma GCC unroll 4
      for (int64_t j = 0; j < kBiasGradBlock; ++j) acc[j] += g[j];
    }
  } else {
    for (int64_t i = 0; i < M; ++i) {
      const float* g = G + i * N + j0;
      for (int64_t j = 0; j < w; ++j) acc[j] += g[j];
    }
  }
  float* o = out + j0;
  if (beta == 0.0f)
    for (int64_t j = 0; j < w; ++j) o[j] = acc[j];
  else
    for (int64_t j = 0; j < w; ++j) o[j] = beta * o[j] + acc[j];
}

// out[j] = sum_i G[i * N + j] (+ beta * out[j]; beta == 0 never reads out). G is [M, N] row-major, out [N].
// Rows are added in order 0..M-1 for every column, whatever the thread count (threads split columns).
void bias_grad(const float* G, int64_t M, int64_t N, float* out, float beta) {
  const int64_t blocks = (N + kBiasGradBlock - 1) / kBiasGradBlock;
  for_ranges(blocks, M * N >= (int64_t(1) << 18) && blocks > 1, [=](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) bias_grad_block(G, M, N, out, beta, blk);
  });
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
