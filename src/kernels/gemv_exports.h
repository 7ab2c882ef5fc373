// The four exported GEMV kernels of one ISA file, gemv_f32, gemv_f16, gemvt_f32 and gemvt_f16
// __<isa> (declared in kernels.h), each the file's own Gemv or Gemvt template for its element type.
// Expand ELASTIQ_DEFINE_GEMV_KERNELS(isa) in namespace elastiq after those templates.
#pragma once

#define ELASTIQ_DEFINE_GEMV_KERNELS(isa)                                                                    \
  void gemv_f32__##isa(const float* w, int64_t w_stride, const float* x, int64_t cols, float* y,          \
                       int64_t row_begin, int64_t row_end) {                                                \
    Gemv(w, w_stride, x, cols, y, row_begin, row_end);                                                      \
  }                                                                                                         \
  void gemv_f16__##isa(const uint16_t* w, int64_t w_stride, const float* x, int64_t cols, float* y,       \
                       int64_t row_begin, int64_t row_end) {                                                \
    Gemv(w, w_stride, x, cols, y, row_begin, row_end);                                                      \
  }                                                                                                         \
  void gemvt_f32__##isa(const float* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols) { \
    Gemvt(w, w_stride, x, rows, y, cols);                                                                   \
  }                                                                                                         \
  void gemvt_f16__##isa(const uint16_t* w, int64_t w_stride, const float* x, int64_t rows, float* y,      \
                        int64_t cols) {                                                                     \
    Gemvt(w, w_stride, x, rows, y, cols);                                                                   \
  }
