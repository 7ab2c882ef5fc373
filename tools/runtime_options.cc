// Registration of the runtime commands' shared options.
#include "tools/runtime_options.h"

namespace elastiq {

void AddKvCacheOption(po::options_description& d, std::string& value) {
  d.add_options()("kv-cache", po::value(&value)->default_value(value),
                  "KV-cache elements: f32 | f16 (IEEE half: half the cache memory and the bytes attention reads "
                  "per token; logits within ~1e-3 relative of f32)");
}

}  // namespace elastiq
