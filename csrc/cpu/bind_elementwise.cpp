// Bindings of the element-wise kernels (csrc/cpu/kernels/elementwise.cpp).
#include "common.h"
#include "cpu/kernels.h"

namespace fastnn {

void bind_elementwise(py::module_& m) {
  m.def("relu_forward", [](const py::array& x, py::array& y) {
    const float* xp = in_ptr<float>(x, "x");
    float* yp = out_ptr<float>(y, "y");
    check_same_shape(x, "x", y, "y");
    py::gil_scoped_release nogil;
    cpu::kernels().relu_forward(xp, yp, x.size());
  }, py::arg("x"), py::arg("y"), "y = max(x, 0) over float32 C-contiguous arrays of one shape (y may be x).");
  m.def("relu_backward", [](const py::array& grad_y, const py::array& y, py::array& grad_x) {
    const float* gp = in_ptr<float>(grad_y, "grad_y");
    const float* yp = in_ptr<float>(y, "y");
    float* gxp = out_ptr<float>(grad_x, "grad_x");
    check_same_shape(grad_y, "grad_y", y, "y");
    check_same_shape(grad_y, "grad_y", grad_x, "grad_x");
    py::gil_scoped_release nogil;
    cpu::kernels().relu_backward(gp, yp, gxp, y.size());
  }, py::arg("grad_y"), py::arg("y"), py::arg("grad_x"), "grad_x = grad_y * (y > 0).");
}

}  // namespace fastnn
