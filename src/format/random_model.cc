// One maxnet palette entry, every weight drawn from a seeded normal distribution.
#include "src/format/random_model.h"

#include <random>
#include <vector>

#include "src/format/weight_layout.h"

namespace elastiq {

void WriteRandomModel(const std::string& path, const ModelConfig& config, uint64_t seed,
                      const std::string& tokenizer_bytes, const std::vector<PaletteEntry>& extra_entries) {
  ModelFileWriter writer(path, config, kKindCheckpoint, tokenizer_bytes);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> values;
  for (const WeightShape& w : MaxnetWeightShapes(config)) {
    int64_t n = 1;
    for (int64_t d : w.shape) n *= d;
    values.resize(static_cast<size_t>(n));
    const bool norm = w.shape.size() == 1;
    for (float& v : values) v = norm ? 1.0f : normal(rng);
    writer.WriteWeight(w.name, w.shape, values.data());
  }
  writer.AddPaletteEntry({MaxnetSpec(config), {{"random_weights", true}}});
  for (const PaletteEntry& e : extra_entries) writer.AddPaletteEntry(e);
  writer.Commit();
}

}  // namespace elastiq
