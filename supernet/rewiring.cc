// Importance per unit from accumulated gradients, and the consistent permutation of every weight.
#include "supernet/rewiring.h"

#include "src/core/error.h"

namespace elastiq {
namespace {

// |w * g| of one parameter (zeros when it got no gradient).
torch::Tensor Saliency(const torch::Tensor& w) {
  if (!w.grad().defined()) return torch::zeros_like(w);
  return (w.detach() * w.grad()).abs();
}

// Expands a permutation of blocks of `size` consecutive indices to a permutation of the indices.
torch::Tensor ExpandBlocks(const torch::Tensor& perm, int64_t size) {
  return (perm.unsqueeze(1) * size + torch::arange(size, torch::kLong).unsqueeze(0)).reshape({-1});
}

// param <- param.index_select(dim, index), in place (keeps the parameter's identity).
void Permute(torch::Tensor& param, int64_t dim, const torch::Tensor& index) {
  param.copy_(param.index_select(dim, index));
}

}  // namespace

ChannelOrder MeasureImportance(SuperTransformer& model, const CalibrationLoss& loss, int64_t batches) {
  ELASTIQ_ASSERT(batches > 0);
  const ModelConfig& c = model->config();
  std::vector<torch::Tensor> params = model->parameters();
  std::vector<bool> was_trainable(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    was_trainable[i] = params[i].requires_grad();
    params[i].set_requires_grad(true);
    if (params[i].grad().defined()) params[i].mutable_grad() = torch::Tensor();
  }
  for (int64_t b = 0; b < batches; ++b) loss(model, b).backward();

  torch::NoGradGuard no_grad;
  const int64_t KV = c.n_kv_heads;
  ChannelOrder imp;
  // Hidden channel c: embedding column, norm entries, input columns of wq/wk/wv/gate/up, output rows
  // of wo/down, final norm, classifier column.
  imp.hidden = Saliency(model->embed).sum(0) + Saliency(model->final_norm);
  if (model->cls_head.defined()) imp.hidden += Saliency(model->cls_head).sum(0);
  for (Block& blk : model->blocks) {
    imp.hidden += Saliency(blk->attn_norm) + Saliency(blk->ffn_norm);
    for (torch::Tensor* w : {&blk->wq, &blk->wk, &blk->wv, &blk->w_gate, &blk->w_up}) imp.hidden += Saliency(*w).sum(0);
    imp.hidden += Saliency(blk->wo).sum(1) + Saliency(blk->w_down).sum(1);
    // FFN neuron n: row n of gate and up, column n of down.
    imp.ffn.push_back(Saliency(blk->w_gate).sum(1) + Saliency(blk->w_up).sum(1) + Saliency(blk->w_down).sum(0));
    // KV group g: its K and V rows, the rows of its query heads, and their wo columns.
    torch::Tensor g = Saliency(blk->wk).view({KV, -1}).sum(1) + Saliency(blk->wv).view({KV, -1}).sum(1) +
                      Saliency(blk->wq).view({KV, -1}).sum(1) +
                      Saliency(blk->wo).view({c.d_model, KV, -1}).sum(std::vector<int64_t>{0, 2});
    imp.kv_groups.push_back(g);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    params[i].mutable_grad() = torch::Tensor();
    params[i].set_requires_grad(was_trainable[i]);
  }
  return imp;
}

ChannelOrder OrderByImportance(const ChannelOrder& imp) {
  auto order = [](const torch::Tensor& scores) {
    return std::get<1>(torch::sort(scores, /*stable=*/true, /*dim=*/0, /*descending=*/true));
  };
  ChannelOrder o;
  o.hidden = order(imp.hidden);
  for (const torch::Tensor& f : imp.ffn) o.ffn.push_back(order(f));
  for (const torch::Tensor& g : imp.kv_groups) o.kv_groups.push_back(order(g));
  return o;
}

void ApplyChannelOrder(SuperTransformer& model, const ChannelOrder& o) {
  const ModelConfig& c = model->config();
  ELASTIQ_ASSERT(o.hidden.numel() == c.d_model && o.ffn.size() == model->blocks.size() &&
                 o.kv_groups.size() == model->blocks.size());
  torch::NoGradGuard no_grad;
  const torch::Tensor& h = o.hidden;
  Permute(model->embed, 1, h);
  Permute(model->final_norm, 0, h);
  if (model->cls_head.defined()) Permute(model->cls_head, 1, h);
  const int64_t hd = c.head_dim(), G = c.group_size();
  for (size_t l = 0; l < model->blocks.size(); ++l) {
    Block& blk = model->blocks[l];
    Permute(blk->attn_norm, 0, h);
    Permute(blk->ffn_norm, 0, h);
    for (torch::Tensor* w : {&blk->wq, &blk->wk, &blk->wv, &blk->w_gate, &blk->w_up}) Permute(*w, 1, h);
    Permute(blk->wo, 0, h);
    Permute(blk->w_down, 0, h);

    Permute(blk->w_gate, 0, o.ffn[l]);
    Permute(blk->w_up, 0, o.ffn[l]);
    Permute(blk->w_down, 1, o.ffn[l]);

    const torch::Tensor kv_rows = ExpandBlocks(o.kv_groups[l], hd);
    const torch::Tensor q_rows = ExpandBlocks(o.kv_groups[l], G * hd);
    Permute(blk->wk, 0, kv_rows);
    Permute(blk->wv, 0, kv_rows);
    Permute(blk->wq, 0, q_rows);
    Permute(blk->wo, 1, q_rows);
  }
}

ChannelOrder RewireByImportance(SuperTransformer& model, const CalibrationLoss& loss, int64_t batches) {
  ChannelOrder order = OrderByImportance(MeasureImportance(model, loss, batches));
  ApplyChannelOrder(model, order);
  return order;
}

CalibrationLoss MaxnetTaskCalibration(const TrainingData& data, const ModelConfig& config, int batch_size, int seq_len,
                                      uint64_t seed) {
  return [&data, config, batch_size, seq_len, seed](SuperTransformer& m, int64_t b) {
    TaskBatch batch = SampleTaskBatch(data, config, batch_size, seq_len, seed, b);
    return TaskLoss(ForwardBatch(m, MaxnetSpec(config), batch), batch);
  };
}

}  // namespace elastiq
