// Bindings of the element-wise kernels (csrc/cpu/kernels/elementwise.cpp): float32 C-contiguous arrays of one
// shape; outputs may be the inputs (in place).
#include "common.h"
#include "cpu/kernels.h"

namespace fastnn {

using UnaryFn = void (*)(const float*, float*, int64_t);
using BinaryFn = void (*)(const float*, const float*, float*, int64_t);

static void def_forward(py::module_& m, const char* name, UnaryFn cpu::KernelTable::*k, const char* doc) {
  m.def(name, [k](const py::array& x, py::array& y) {
    const float* xp = in_ptr<float>(x, "x");
    float* yp = out_ptr<float>(y, "y");
    check_same_shape(x, "x", y, "y");
    const int64_t n = x.size();
    py::gil_scoped_release nogil;
    (cpu::kernels().*k)(xp, yp, n);
  }, py::arg("x"), py::arg("y"), doc);
}

static void def_backward(py::module_& m, const char* name, BinaryFn cpu::KernelTable::*k, const char* doc) {
  m.def(name, [k](const py::array& grad_y, const py::array& y, py::array& grad_x) {
    const float* gp = in_ptr<float>(grad_y, "grad_y");
    const float* yp = in_ptr<float>(y, "y");
    float* gxp = out_ptr<float>(grad_x, "grad_x");
    check_same_shape(grad_y, "grad_y", y, "y");
    check_same_shape(grad_y, "grad_y", grad_x, "grad_x");
    const int64_t n = y.size();
    py::gil_scoped_release nogil;
    (cpu::kernels().*k)(gp, yp, gxp, n);
  }, py::arg("grad_y"), py::arg("y"), py::arg("grad_x"), doc);
}

void bind_elementwise(py::module_& m) {
  def_forward(m, "relu_forward", &cpu::KernelTable::relu_forward, "y = max(x, 0).");
  def_backward(m, "relu_backward", &cpu::KernelTable::relu_backward, "grad_x = grad_y * (y > 0).");
  def_forward(m, "sigmoid_forward", &cpu::KernelTable::sigmoid_forward, "y = 1 / (1 + exp(-x)).");
  def_backward(m, "sigmoid_backward", &cpu::KernelTable::sigmoid_backward, "grad_x = grad_y * y * (1 - y).");
  def_forward(m, "tanh_forward", &cpu::KernelTable::tanh_forward, "y = tanh(x).");
  def_backward(m, "tanh_backward", &cpu::KernelTable::tanh_backward, "grad_x = grad_y * (1 - y * y).");
  def_forward(m, "erf_forward", &cpu::KernelTable::erf_forward, "y = erf(x).");
}

}  // namespace fastnn
