// Data loading: gather rows of an array (index_select on dim 0, any dtype), and gather rows of a uint8 dataset
// mapping each byte through a 256-entry float32 table.
#include <cstring>

#include "cpu/kernels.h"
#include "cpu/kernels/parallel.h"
#include "cpu/kernels/simd.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

static const int64_t kGatherParallelThreshold = 1 << 18;  // output elements; a batch of 64 MNIST images is 50k
static const int64_t kRowsParallelBytes = int64_t(1) << 21;  // below ~2 MB a worker's wake-up costs more
static const int64_t kPrefetchWindow = 32;                    // rows whose lines are requested at once
static const int64_t kLutPrefetchRows = 4;                    // rows ahead whose lines are requested (LUT)
static const int64_t kInterleaveRows = 8;                     // rows gather_rows copies side by side
static const int64_t kInterleaveMinBytes = 256;               // shorter rows are copied one by one

// Row i of src (rows of row_bytes bytes), a negative i counting from the end.
static inline const uint8_t* row_at(const uint8_t* src, int64_t rows, int64_t row_bytes, int64_t i) {
  return src + (i < 0 ? i + rows : i) * row_bytes;
}

// Requests the lines of rows idx[b0..b1) (row_bytes each, one line per `step` bytes) ahead of their use: random
// rows of a large array miss the caches one after the other, and these requests overlap the misses.
static inline void prefetch_rows(const uint8_t* src, int64_t rows, int64_t row_bytes, const int64_t* idx,
                                 int64_t b0, int64_t b1, int64_t step) {
  for (int64_t b = b0; b < b1; ++b) {
    const uint8_t* s = row_at(src, rows, row_bytes, idx[b]);
    for (int64_t off = 0; off < row_bytes; off += step) __builtin_prefetch(s + off, 0, 3);
  }
}

// out[b * row_len + j] = table[src[row idx[b]][j]] for b < n_idx, j < row_len, a negative index counting from
// the end. src: `rows` C-contiguous uint8 rows (row_len bytes each); idx: n_idx row numbers, already checked in
// [-rows, rows) by the caller; table: 256 floats; out: n_idx * row_len floats, C-contiguous. Rows are
// independent: any split over threads gives the same bytes.
void gather_lut_u8(const uint8_t* src, int64_t rows, int64_t row_len, const int64_t* idx, int64_t n_idx,
                   const float* table, float* out) {
  // The lines of row b + ahead are requested while row b is mapped: the misses of random rows overlap
  // the table lookups instead of stalling each row's first loads.
  const int64_t ahead = kLutPrefetchRows;
  prefetch_rows(src, rows, row_len, idx, 0, ahead < n_idx ? ahead : n_idx, 64);
  for_ranges(n_idx, n_idx * row_len >= kGatherParallelThreshold, [=](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      if (b + ahead < n_idx) prefetch_rows(src, rows, row_len, idx, b + ahead, b + ahead + 1, 64);
      const uint8_t* s = row_at(src, rows, row_len, idx[b]);
      float* o = out + b * row_len;
      int64_t j = 0;
      // Plain loads from two 8-byte words at a time (independent chains): AVX2's vgatherdps took 1.7x as long
      // on Zen 3 (64 MNIST rows, in cache). Sixteen zero bytes (an image's background: most of MNIST) are one
      // broadcast value.
      const vf zero_value = v_set1(table[0]);
      for (; j + 16 <= row_len; j += 16) {
        uint64_t w0, w1;
        std::memcpy(&w0, s + j, 8);
        std::memcpy(&w1, s + j + 8, 8);
        if ((w0 | w1) == 0) {
          for (int q = 0; q < 16; q += FASTNN_VL) v_store(o + j + q, zero_value);
          continue;
        }
        for (int q = 0; q < 8; ++q) {
          o[j + q] = table[(w0 >> (8 * q)) & 255];
          o[j + 8 + q] = table[(w1 >> (8 * q)) & 255];
        }
      }
      for (; j < row_len; ++j) o[j] = table[s[j]];
    }
  });
}

// out[b] = src[idx[b] < 0 ? idx[b] + rows : idx[b]] for rows of row_bytes bytes, b < n_idx. The caller has
// checked every index in [-rows, rows). Rows of kInterleaveMinBytes or more are copied kInterleaveRows at a time,
// a 64-byte line of each in turn: the loads of eight random rows then miss side by side instead of one row's
// misses after another's (64 MNIST rows of 3136 bytes from a 188 MB array: 14 us against 19-20 us for a
// memcpy per row after prefetching each window of rows, in a C++ benchmark on Zen 4). Shorter rows (labels) are
// copied one by one after a line per 2 KB of each window of rows has been requested.
void gather_rows(const uint8_t* src, int64_t rows, int64_t row_bytes, const int64_t* idx, int64_t n_idx,
                 uint8_t* out) {
  const bool parallel = n_idx * row_bytes >= kRowsParallelBytes;
  if (row_bytes < kInterleaveMinBytes) {
    const int64_t windows = (n_idx + kPrefetchWindow - 1) / kPrefetchWindow;
    for_ranges(windows, parallel, [=](int64_t w0, int64_t w1) {
      for (int64_t w = w0; w < w1; ++w) {
        const int64_t b0 = w * kPrefetchWindow, b1 = b0 + kPrefetchWindow < n_idx ? b0 + kPrefetchWindow : n_idx;
        prefetch_rows(src, rows, row_bytes, idx, b0, b1, 2048);
        for (int64_t b = b0; b < b1; ++b)
          std::memcpy(out + b * row_bytes, row_at(src, rows, row_bytes, idx[b]), row_bytes);
      }
    });
    return;
  }
  const int64_t groups = (n_idx + kInterleaveRows - 1) / kInterleaveRows;
  const int64_t lines = row_bytes / 64, tail = row_bytes % 64;
  for_ranges(groups, parallel, [=](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t b0 = g * kInterleaveRows;
      const int64_t n = n_idx - b0 < kInterleaveRows ? n_idx - b0 : kInterleaveRows;
      const uint8_t* s[kInterleaveRows];
      uint8_t* d[kInterleaveRows];
      for (int64_t q = 0; q < n; ++q) {
        s[q] = row_at(src, rows, row_bytes, idx[b0 + q]);
        d[q] = out + (b0 + q) * row_bytes;
      }
      for (int64_t l = 0; l < lines * 64; l += 64)
        for (int64_t q = 0; q < n; ++q) std::memcpy(d[q] + l, s[q] + l, 64);
      if (tail)
        for (int64_t q = 0; q < n; ++q) std::memcpy(d[q] + lines * 64, s[q] + lines * 64, tail);
    }
  });
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
