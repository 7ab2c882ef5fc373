// Autoregressive sampling over the last max_seq_len tokens.
#include "supernet/generate.h"

#include "src/core/error.h"
#include "src/text/special_tokens.h"

namespace elastiq {

std::vector<int> GenerateReference(SuperTransformer& model, const SubnetSpec& spec, std::vector<int> tokens,
                                   int max_tokens, const SamplerOptions& sampler_options,
                                   const std::function<void(int)>& on_token) {
  if (model->config().is_encoder()) throw UserError("generate: an encoder (classifier) model cannot generate text");
  torch::NoGradGuard no_grad;
  Sampler sampler(sampler_options);
  if (tokens.empty()) tokens.push_back(kBosId);
  std::vector<int> generated;
  const int64_t window = model->config().max_seq_len;
  for (int i = 0; i < max_tokens; ++i) {
    const int64_t start = std::max<int64_t>(0, static_cast<int64_t>(tokens.size()) - window);
    std::vector<int64_t> ctx(tokens.begin() + start, tokens.end());
    torch::Tensor ids = torch::tensor(ctx, torch::kLong).unsqueeze(0);
    torch::Tensor logits = model->forward(ids, spec).select(1, ids.size(1) - 1).squeeze(0).contiguous();
    const int next = sampler.Sample({logits.data_ptr<float>(), static_cast<size_t>(logits.numel())});
    if (next == kEosId) break;
    tokens.push_back(next);
    generated.push_back(next);
    on_token(next);
  }
  return generated;
}

}  // namespace elastiq
