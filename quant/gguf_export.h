// `elastiq export gguf`: one palette entry as a standalone llama-architecture GGUF that llama.cpp
// (and the tools built on it) runs: the entry's sliced weights, blocks shared by `repeat` written
// out once per use, Q/K rows reordered for llama.cpp's RoPE, the embedded SentencePiece vocabulary
// as tokenizer.ggml.*, and the tied embedding as token_embd (llama.cpp reuses it as the output).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace elastiq {

struct GgufExportOptions {
  std::string palette;       // any elastiq model file
  std::string subnet;        // palette entry (empty: the largest)
  std::string type = "f16";  // matrices: f32 | f16 | q8_0 (norms stay f32)
  std::string out;
};

struct GgufExportSummary {
  std::string subnet;
  int blocks = 0;          // llama blocks written (kept layers x repeat)
  int64_t parameters = 0;  // the entry's parameters (a shared block counted once)
  uint64_t file_bytes = 0;
};

// UserError for an encoder, a file without a tokenizer, an unknown --subnet or --type, or a q8_0
// matrix whose rows are not a multiple of 32 (naming the tensor); nothing is written then.
GgufExportSummary ExportGguf(const GgufExportOptions& options);

// Rotate-half RoPE (elastiq, Hugging Face) pairs dimension i of a head with i + head_dim/2;
// llama.cpp's llama architecture pairs 2i with 2i + 1. Reorders the rows of a (heads * head_dim,
// cols) projection so that llama.cpp's pairs are ours: new row h*hd + 2i = old h*hd + i, new row
// h*hd + 2i + 1 = old h*hd + hd/2 + i (what llama.cpp's own Hugging Face converter does).
std::vector<float> InterleaveRopeHalves(const std::vector<float>& w, int64_t heads, int64_t head_dim, int64_t cols);

// ggml's q8_0: each block of 32 values becomes an fp16 scale d = max|x| / 127 and 32 int8 round(x / d).
std::vector<uint8_t> QuantizeQ8_0(const std::vector<float>& values);

}  // namespace elastiq
