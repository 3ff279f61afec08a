// Argument checks shared by the bindings. Kernels take py::array (never py::array_t<T, c_style>, which would
// silently copy a mismatched array so that a kernel's write lands in a temporary) and check everything here.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fastnn {
namespace py = pybind11;

inline std::string shape_str(const py::array& a) {
  std::string s = "[";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + "]";
}

template <typename T>
const char* dtype_name();
template <>
inline const char* dtype_name<float>() { return "float32"; }
template <>
inline const char* dtype_name<double>() { return "float64"; }
template <>
inline const char* dtype_name<int64_t>() { return "int64"; }
template <>
inline const char* dtype_name<uint8_t>() { return "uint8"; }

// Checks that `a` is a C-contiguous array of T with `ndim` dimensions (ndim < 0: any) and, for outputs, writable.
template <typename T>
void check_array(const py::array& a, const char* name, int ndim, bool writable = false) {
  if (!py::isinstance<py::array_t<T>>(a) || !a.dtype().is(py::dtype::of<T>()))
    throw py::type_error(std::string(name) + ": expected a " + dtype_name<T>() + " array, got dtype " +
                         std::string(py::str(a.dtype())));
  if (ndim >= 0 && a.ndim() != ndim)
    throw py::value_error(std::string(name) + ": expected " + std::to_string(ndim) + " dimensions, got shape " +
                          shape_str(a));
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(std::string(name) + ": expected a C-contiguous array (shape " + shape_str(a) + ")");
  if (writable && !a.writeable()) throw py::value_error(std::string(name) + ": output array is read-only");
}

template <typename T>
const T* in_ptr(const py::array& a, const char* name, int ndim = -1) {
  check_array<T>(a, name, ndim);
  return static_cast<const T*>(a.data());
}

template <typename T>
T* out_ptr(py::array& a, const char* name, int ndim = -1) {
  check_array<T>(a, name, ndim, true);
  return static_cast<T*>(a.mutable_data());
}

inline void check_same_shape(const py::array& a, const char* an, const py::array& b, const char* bn) {
  bool same = a.ndim() == b.ndim();
  for (py::ssize_t i = 0; same && i < a.ndim(); ++i) same = a.shape(i) == b.shape(i);
  if (!same)
    throw py::value_error(std::string(an) + " has shape " + shape_str(a) + " but " + bn + " has shape " +
                          shape_str(b));
}

}  // namespace fastnn
