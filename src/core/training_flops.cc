// Forward FLOPs from the shapes (formula in training_flops.h).
#include "src/core/training_flops.h"

namespace elastiq {

double ForwardFlops(const ModelConfig& c, const SubnetSpec& s, int64_t sequences, int64_t seq_len) {
  const double t = static_cast<double>(seq_len), d = s.d_model, hd = c.head_dim();
  const double q = s.n_heads(c) * hd, kv = s.n_kv_heads * hd;
  double per_sequence = 0.0;
  for (int ffn : s.ffn_dim) {
    const double weights = d * q + 2 * d * kv + q * d + 3 * d * ffn;
    per_sequence += c.repeat * (2 * t * weights + 2 * 2 * t * t * q);
  }
  per_sequence += c.is_encoder() ? 2 * d * c.n_classes : 2 * t * c.vocab_size * d;
  return per_sequence * static_cast<double>(sequences);
}

}  // namespace elastiq
