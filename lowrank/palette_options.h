// Options of `elastiq palette` (plain struct, no LibTorch: shared by the front end and the helper).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace elastiq {

struct PaletteOptions {
  std::string supernet;                                // MLFS output (kind "supernet")
  std::string data;                                    // prepared data folder; the val split scores candidates
  std::string out;                                     // palette file
  std::vector<double> sizes = {1.0, 0.67, 0.5, 0.25};  // fractions of the maxnet's parameters
  int candidates = 8;           // per size: the largest subnets within budget, scored by the proxy
  int finalists = 2;            // per size: best proxy scores, evaluated on eval_tokens
  int64_t proxy_tokens = 4096;  // validation tokens of the cheap proxy
  int64_t eval_tokens = 32768;  // validation tokens of the real evaluation
  int batch_size = 8;
  std::string precision = "fp32";
  int threads = 0;
  // Filled in by the front end:
  std::string val_ids;
};

}  // namespace elastiq
