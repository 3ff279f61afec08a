// Bindings of the data-loading kernels (csrc/cpu/kernels/data.cpp).
#include <string>

#include "common.h"
#include "cpu/kernels.h"

namespace fastnn {

void bind_data(py::module_& m) {
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
    bool same = out.ndim() == src.ndim() && out.shape(0) == n;
    for (py::ssize_t d = 1; same && d < src.ndim(); ++d) same = out.shape(d) == src.shape(d);
    if (!same)
      throw py::value_error("out has shape " + shape_str(out) + " but src " + shape_str(src) + " gathered by " +
                            std::to_string(n) + " indices needs [" + std::to_string(n) + ", ...rows of src]");
    for (int64_t b = 0; b < n; ++b)
      if (ip[b] < 0 || ip[b] >= rows)
        throw py::index_error("index " + std::to_string(ip[b]) + " is out of bounds for dimension 0 with size " +
                              std::to_string(rows));
    py::gil_scoped_release nogil;
    cpu::kernels().gather_lut_u8(sp, row_len, ip, n, tp, op);
  }, py::arg("src"), py::arg("idx"), py::arg("table"), py::arg("out"),
     "out[b] = table[src[idx[b]]] element-wise: src uint8 (rows, ...), idx int64 (n,) with 0 <= idx < rows, "
     "table float32 (256,), out float32 (n, ...rows' shape); all C-contiguous.");
}

}  // namespace fastnn
