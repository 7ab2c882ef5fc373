// Fuzz harness: the JSON documents a user hands over or a file stores: a model config, then
// (after a NUL byte) a palette entry's subnet spec and a search space read against that config,
// and a Hugging Face config.json read as one.
#include <nlohmann/json.hpp>

#include "src/core/model_config.h"
#include "src/core/subnet_space.h"
#include "src/core/subnet_spec.h"
#include "src/text/hf_import.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace elastiq;
  const auto [first, second] = fuzz::SplitAtNul(data, size);
  fuzz::RefusalsAreFine([&, first = first] {
    const nlohmann::json hf = nlohmann::json::parse(first, nullptr, false);
    if (!hf.is_discarded()) ParseHfConfig(hf, "config.json", "fuzzed");
  });
  fuzz::RefusalsAreFine([&, first = first, second = second] {
    const ModelConfig config = ParseModelConfig(std::string(first), "config");
    fuzz::RefusalsAreFine([&] {
      const SubnetSpec spec = ParseSubnetSpec(std::string(second), "spec");
      ValidateSubnetSpec(spec, config, "spec");
      CountParams(config, spec);
      ParseSubnetSpec(SubnetSpecToJson(spec), "round trip");
    });
    fuzz::RefusalsAreFine([&] {
      const SubnetSpace space = ParseSubnetSpace(std::string(second), config, "space");
      ParseSubnetSpace(SubnetSpaceToJson(space), config, "round trip");
      SmallestSubnet(space, config, false);
    });
  });
  return 0;
}
