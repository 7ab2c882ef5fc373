// `elastiq export gguf`: one palette entry as a standalone llama-architecture GGUF that llama.cpp
// (and the tools built on it) runs: the entry's sliced weights, blocks shared by `repeat` written
// out once per use, Q/K rows reordered for llama.cpp's RoPE, the embedded SentencePiece vocabulary
// as tokenizer.ggml.*, and the tied embedding as token_embd (llama.cpp reuses it as the output).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "src/core/error.h"

namespace elastiq {

struct GgufExportOptions {
  std::string palette;       // any elastiq model file
  std::string subnet;        // palette entry (empty: the largest)
  std::string type = "f16";  // matrices: f32 | f16 | q8_0 from /weights; tq2_0 | tq1_0 from /quant/ternary
  std::string fallback;      // "q8_0": ternary matrices whose rows are not whole tq blocks go as q8_0
  std::string out;
};

struct GgufExportSummary {
  std::string subnet;
  int blocks = 0;          // llama blocks written (kept layers x repeat)
  int64_t parameters = 0;  // the entry's parameters (a shared block counted once)
  uint64_t file_bytes = 0;
  int fallback_tensors = 0;  // ternary matrices written as q8_0 (--fallback q8_0)
};

// The ternary types carry the file's packed ternary copy (`elastiq quantize --format ternary`, QAT
// or not) exactly: each matrix row's codes and its scale (fp16 in the GGUF); the int8 embedding goes
// as q8_0 blocks with the row's scale, equally exact. Fallback q8_0 tensors hold the same ternary
// values. UserError for an encoder, a file without a tokenizer (or, for tq types, without a ternary
// copy), an unknown --subnet, --type or --fallback, or a matrix whose rows are not whole blocks of
// its type (naming the tensor); nothing is written then.
GgufExportSummary ExportGguf(const GgufExportOptions& options);

// Rotate-half RoPE (elastiq, Hugging Face) pairs dimension i of a head with i + head_dim/2;
// llama.cpp's llama architecture pairs 2i with 2i + 1. Reorders the rows of a (heads * head_dim,
// cols) projection so that llama.cpp's pairs are ours: new row h*hd + 2i = old h*hd + i, new row
// h*hd + 2i + 1 = old h*hd + hd/2 + i (what llama.cpp's own Hugging Face converter does).
// Per-row scales go through it with cols = 1.
template <typename T>
std::vector<T> InterleaveRopeHalves(const std::vector<T>& w, int64_t heads, int64_t head_dim, int64_t cols) {
  ELASTIQ_ASSERT(static_cast<int64_t>(w.size()) == heads * head_dim * cols && head_dim % 2 == 0);
  std::vector<T> out(w.size());
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      const T* first = w.data() + (h * head_dim + i) * cols;
      const T* second = w.data() + (h * head_dim + half + i) * cols;
      std::copy(first, first + cols, out.data() + (h * head_dim + 2 * i) * cols);
      std::copy(second, second + cols, out.data() + (h * head_dim + 2 * i + 1) * cols);
    }
  }
  return out;
}

}  // namespace elastiq
