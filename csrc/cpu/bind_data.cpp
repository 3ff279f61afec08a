// Bindings of the data-loading kernels (csrc/cpu/kernels/data.cpp).
#include <string>
#include <utility>

#include "common.h"
#include "cpu/kernels.h"

namespace fastnn {

// Checks `idx` against `rows` (negative indices count from the end, as in numpy and torch).
static void check_row_indices(const int64_t* ip, int64_t n, int64_t rows, bool allow_negative) {
  for (int64_t b = 0; b < n; ++b)
    if (ip[b] >= rows || ip[b] < (allow_negative ? -rows : 0))
      throw py::index_error("index " + std::to_string(ip[b]) + " is out of bounds for dimension 0 with size " +
                            std::to_string(rows));
}

// out must be a C-contiguous, writable array of src's dtype and shape [n, src.shape[1:]...].
static void check_gather_out(const py::array& src, int64_t n, const py::array& out) {
  bool same = out.ndim() == src.ndim() && out.shape(0) == n;
  for (py::ssize_t d = 1; same && d < src.ndim(); ++d) same = out.shape(d) == src.shape(d);
  if (!same)
    throw py::value_error("out has shape " + shape_str(out) + " but src " + shape_str(src) + " gathered by " +
                          std::to_string(n) + " indices needs [" + std::to_string(n) + ", ...rows of src]");
}

void bind_data(py::module_& m) {
  m.def("gather_rows", [](const py::array& src, const py::array& idx, py::array& out) {
    const char kind = src.dtype().kind();
    if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f' && kind != 'c')
      throw py::type_error("src: expected a bool, integer, float or complex array, got dtype " +
                           std::string(py::str(src.dtype())));
    if (!out.dtype().is(src.dtype()))
      throw py::type_error("out: expected dtype " + std::string(py::str(src.dtype())) + " (src's), got " +
                           std::string(py::str(out.dtype())));
    if (src.ndim() < 1) throw py::value_error("src: expected at least 1 dimension, got a scalar");
    if (!(src.flags() & py::array::c_style))
      throw py::value_error("src: expected a C-contiguous array (shape " + shape_str(src) + ")");
    if (!(out.flags() & py::array::c_style) || !out.writeable())
      throw py::value_error("out: expected a writable C-contiguous array (shape " + shape_str(out) + ")");
    const int64_t* ip = in_ptr<int64_t>(idx, "idx", 1);
    const int64_t n = idx.shape(0), rows = src.shape(0);
    check_gather_out(src, n, out);
    const int64_t row_bytes = rows ? src.nbytes() / rows : 0;
    const auto* sp = static_cast<const uint8_t*>(src.data());
    auto* op = static_cast<uint8_t*>(out.mutable_data());
    if (n && row_bytes && op < sp + src.nbytes() && sp < op + out.nbytes())
      throw py::value_error("out overlaps src");
    check_row_indices(ip, n, rows, true);
    py::gil_scoped_release nogil;
    cpu::kernels().gather_rows(sp, rows, row_bytes, ip, n, op);
  }, py::arg("src"), py::arg("idx"), py::arg("out"),
     "out[b] = src[idx[b]] (index_select on dim 0): src C-contiguous (rows, ...) of any numeric dtype, idx int64 "
     "(n,) with -rows <= idx < rows, out (n, ...rows' shape) of src's dtype, C-contiguous, not overlapping src.");
  m.def("gather_lut_u8", [](const py::array& src, const py::array& idx, const py::array& table, py::array& out) {
    const uint8_t* sp = in_ptr<uint8_t>(src, "src");
    const int64_t* ip = in_ptr<int64_t>(idx, "idx", 1);
    const float* tp = in_ptr<float>(table, "table", 1);
    float* op = out_ptr<float>(out, "out");
    if (src.ndim() < 1) throw py::value_error("src: expected at least 1 dimension, got a scalar");
    if (table.shape(0) != 256)
      throw py::value_error("table: expected 256 entries, got shape " + shape_str(table));
    const int64_t rows = src.shape(0);
    const int64_t row_len = rows ? src.size() / rows : 0;
    const int64_t n = idx.shape(0);
    check_gather_out(src, n, out);
    check_row_indices(ip, n, rows, true);
    py::gil_scoped_release nogil;
    cpu::kernels().gather_lut_u8(sp, rows, row_len, ip, n, tp, op);
  }, py::arg("src"), py::arg("idx"), py::arg("table"), py::arg("out"),
     "out[b] = table[src[idx[b]]] element-wise: src uint8 (rows, ...), idx int64 (n,) with -rows <= idx < rows, "
     "table float32 (256,), out float32 (n, ...rows' shape); all C-contiguous.");
  m.def("randperm_from_draws", [](const py::array& draws, py::array& out) {
    const int64_t* dp = in_ptr<int64_t>(draws, "draws", 1);
    int64_t* op = out_ptr<int64_t>(out, "out", 1);
    const int64_t n = out.shape(0);
    if (draws.shape(0) != (n > 0 ? n - 1 : 0))
      throw py::value_error("draws: expected " + std::to_string(n > 0 ? n - 1 : 0) + " values for a permutation of " +
                            std::to_string(n) + ", got shape " + shape_str(draws));
    for (int64_t i = 0; i + 1 < n; ++i)
      if (dp[i] < 0) throw py::value_error("draws: expected non-negative values, got " + std::to_string(dp[i]));
    py::gil_scoped_release nogil;
    for (int64_t i = 0; i < n; ++i) op[i] = i;
    for (int64_t i = 0; i + 1 < n; ++i) std::swap(op[i], op[i + dp[i] % (n - i)]);
  }, py::arg("draws"), py::arg("out"),
     "out = a permutation of 0..n-1 (n = len(out)) by torch's CPU randperm: out[i] swapped with out[i + draws[i] "
     "% (n - i)] for i = 0..n-2 in turn. draws int64 (n-1,) >= 0 (the generator's 32-bit draws), out int64 (n,).");
}

}  // namespace fastnn
