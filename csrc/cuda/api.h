// The CUDA kernel API: plain C++ entry points implemented in csrc/cuda/*.cu, bound in csrc/bind_cuda.cpp.
// Every entry point returns an empty string on success and the CUDA error text otherwise.
#pragma once
#include <cstdint>
#include <string>

namespace fastnn::cuda {
int device_count();  // 0 when no driver or device is present
std::string device_name(int device);
// y[i] = a * x[i] + y[i] on the device, for host arrays of n floats (copied in and out): the trivial kernel
// that proves the CUDA unit builds, links and runs.
std::string saxpy_host(float a, const float* x, float* y, int64_t n);
}  // namespace fastnn::cuda
