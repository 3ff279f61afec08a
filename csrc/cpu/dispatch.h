// Choice of instruction set and thread count for the CPU kernels.
#pragma once
#include <string>

#include "cpu/kernels.h"

namespace fastnn::cpu {
bool isa_supported(const std::string& name);
std::string best_isa();
std::string current_isa();
void set_isa(const std::string& name);  // invalid_argument for an unknown name, runtime_error if unsupported
void set_num_threads(int n);
bool openmp_enabled();
}  // namespace fastnn::cpu
