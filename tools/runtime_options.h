// Options shared by the commands that run the LibTorch-free engine (run, bench, eval --engine
// runtime), each registered here once.
#pragma once

#include <string>

#include "tools/cli.h"

namespace elastiq {

// The KV cache of `run` and `bench` unless --kv-cache says otherwise: fp16, half the cache's memory
// and bytes read per token, faster decoding at long contexts at a logit cost of ~1e-3 relative
// (experiments/results/kv_cache_f16.md). `eval --engine runtime` keeps f32, the reference.
inline constexpr const char* kGenerationKvCache = "f16";

// --kv-cache f32|f16 into `value`, whose content on entry is the command's default. Check it with
// ParseKvCacheFormat (src/runtime/kv_cache.h): a bad value is a UserError naming --kv-cache.
void AddKvCacheOption(po::options_description& d, std::string& value);

}  // namespace elastiq
