// A float32 matrix as the GEMM kernel takes it, the array layouts that read as one without a copy, and a product's
// sizes. Shared by the GEMM bindings (bind_gemm.cpp), which raise on other layouts and on mismatched sizes, and
// the Tensor fast paths (bind_tensor.cpp), which hand those to Python.
#pragma once
#include <cstdint>

namespace fastnn {

// A 2-D float32 matrix whose rows are contiguous (unit element stride), laid out at a positive row stride
// `ld` >= cols.
struct Matrix {
  float* data;
  int64_t rows, cols, ld;
};

// Whether a float32 [rows, cols] layout with byte strides s0, s1 has contiguous rows at a positive stride of at
// least one row: a C-contiguous array, or a row slice / column slice of one. An empty array always does, and a
// stride along a dimension of size 1 is not looked at. Sets m when it does.
inline bool rows_layout(void* data, int64_t rows, int64_t cols, int64_t s0, int64_t s1, Matrix& m) {
  const int64_t es = int64_t(sizeof(float));
  int64_t ld = cols > 1 ? cols : 1;
  if (rows > 0 && cols > 0) {
    if (cols > 1 && s1 != es) return false;
    if (rows > 1) {
      if (s0 % es != 0 || s0 / es < ld) return false;
      ld = s0 / es;
    }
  }
  m = Matrix{static_cast<float*>(data), rows, cols, ld};
  return true;
}

// Whether the layout is a transposed view of such a matrix (contiguous columns; more than one row and column, so
// that it is not also one with contiguous rows). Sets m to the matrix it transposes when it is.
inline bool columns_layout(void* data, int64_t rows, int64_t cols, int64_t s0, int64_t s1, Matrix& m) {
  const int64_t es = int64_t(sizeof(float));
  if (!(rows > 1 && cols > 1 && s0 == es && s1 % es == 0 && s1 / es >= rows)) return false;
  m = Matrix{static_cast<float*>(data), cols, rows, s1 / es};
  return true;
}

// The operands of op(A) @ op(B) (op transposing where ta / tb is set) and the product's sizes.
struct Product {
  Matrix A, B;
  bool ta, tb;
  int64_t M, N, K;
};

// A product of A and B with its sizes; `K2`, op(B)'s rows, differs from K when the inner sizes do not agree.
inline Product make_product(const Matrix& A, bool ta, const Matrix& B, bool tb, int64_t& K2) {
  K2 = tb ? B.cols : B.rows;
  return Product{A, B, ta, tb, ta ? A.cols : A.rows, tb ? B.rows : B.cols, ta ? A.rows : A.cols};
}

}  // namespace fastnn
