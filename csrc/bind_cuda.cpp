// Bindings of the CUDA kernels; without a CUDA build, the same names report that CUDA is absent.
#include "common.h"
#ifdef FASTNN_WITH_CUDA
#include "cuda/api.h"
#endif

namespace fastnn {

void bind_cuda(py::module_& m) {
#ifdef FASTNN_WITH_CUDA
  m.attr("cuda_built") = true;
  m.def("cuda_device_count", &cuda::device_count);
  m.def("cuda_device_name", &cuda::device_name, py::arg("device") = 0);
  m.def("cuda_saxpy", [](float a, const py::array& x, py::array& y) {
    const float* xp = in_ptr<float>(x, "x", 1);
    float* yp = out_ptr<float>(y, "y", 1);
    check_same_shape(x, "x", y, "y");
    std::string err;
    {
      py::gil_scoped_release nogil;
      err = cuda::saxpy_host(a, xp, yp, x.size());
    }
    if (!err.empty()) throw std::runtime_error("CUDA error in saxpy: " + err);
  }, py::arg("a"), py::arg("x"), py::arg("y"), "y = a * x + y computed on the GPU (float32, 1-D).");
#else
  m.attr("cuda_built") = false;
  m.def("cuda_device_count", []() { return 0; });
  m.def("cuda_saxpy", [](float, const py::array&, py::array&) {
    throw std::runtime_error("fastnn was built without CUDA (FASTNN_CUDA=OFF or no CUDA compiler found)");
  }, py::arg("a"), py::arg("x"), py::arg("y"));
#endif
}

}  // namespace fastnn
