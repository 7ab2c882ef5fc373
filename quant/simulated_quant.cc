// Per-row weight and per-token activation quantization in LibTorch, bit for bit the runtime's
// float32 operations (division, round half to even, clamp), and the hook that applies them.
#include "quant/simulated_quant.h"

#include "quant/weight_quant.h"
#include "src/core/error.h"
#include "src/format/quant_groups.h"
#include "src/format/weight_layout.h"
#include "src/kernels/packed_layout.h"
#include "supernet/transformer_ops.h"

namespace elastiq {
namespace {

torch::Tensor NonZeroOr1(const torch::Tensor& s) { return torch::where(s > 0, s, torch::ones_like(s)); }

// x + (target - x).detach(): the forward sees target, the backward passes the gradient through.
torch::Tensor StraightThrough(const torch::Tensor& x, const torch::Tensor& target) { return x + (target - x).detach(); }

QuantTable ReadTable(const ModelFile& file, const std::string& format, const std::string& weight, bool ternary) {
  const std::string group = QuantTensorGroup(format, weight);
  const H5File& h5 = file.h5();
  const PackedShape shape{h5.GetIntAttr(group, "rows"), h5.GetIntAttr(group, "cols"),
                          h5.GetIntAttr(group, "rows_padded")};
  std::vector<int8_t> q = ternary ? UnpackTernary(shape, h5.Read<uint8_t>(group + "/packed", DType::kU8).data())
                                  : UnpackInt8(shape, h5.Read<int8_t>(group + "/packed", DType::kI8).data());
  std::vector<float> scale = h5.Read<float>(group + "/scale", DType::kF32);
  torch::Tensor qt = torch::from_blob(q.data(), {shape.rows, shape.cols}, torch::kInt8).to(torch::kFloat);
  return {qt, torch::from_blob(scale.data(), {shape.rows}, torch::kFloat).clone()};
}

}  // namespace

SimFormat ParseSimFormat(const std::string& name) {
  if (name == "w8a8") return SimFormat::kW8A8;
  if (name == "ternary") return SimFormat::kTernary;
  throw UserError("--format must be w8a8 or ternary for simulated quantization, got \"" + name + "\"");
}

QuantTable QuantizeRowsW8(const torch::Tensor& w) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w32 = w.detach().to(torch::kFloat);
  torch::Tensor s = NonZeroOr1(w32.abs().amax(1) / 127.0f);
  return {torch::clamp(torch::round(w32 / s.unsqueeze(1)), -127, 127), s};
}

QuantTable QuantizeRowsTernary(const torch::Tensor& w) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w32 = w.detach().to(torch::kFloat);
  // Mean |w| summed in double, as quant/weight_quant.cc, then rounded to float.
  torch::Tensor g = (w32.abs().to(torch::kDouble).sum(1) / static_cast<double>(w32.size(1))).to(torch::kFloat);
  return {torch::clamp(torch::round(w32 / (g + kTernaryEps).unsqueeze(1)), -1, 1), g};
}

QuantActivations QuantizeActivationsU8(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x32 = x.detach().to(torch::kFloat);
  torch::Tensor lo = x32.amin(-1, true).clamp_max(0.0f), hi = x32.amax(-1, true).clamp_min(0.0f);
  torch::Tensor s = NonZeroOr1((hi - lo) / 255.0f);
  torch::Tensor zp = torch::clamp(torch::round(-lo / s), 0, 255);
  return {torch::clamp(torch::round(x32 / s) + zp, 0, 255), s, zp};
}

QuantActivations QuantizeActivationsI8(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x32 = x.detach().to(torch::kFloat);
  torch::Tensor s = NonZeroOr1(x32.abs().amax(-1, true) / 127.0f);
  return {torch::clamp(torch::round(x32 / s), -127, 127), s, torch::zeros_like(s)};
}

torch::Tensor IntegerAccumulators(const QuantActivations& a, const torch::Tensor& q_w) {
  torch::NoGradGuard no_grad;
  return torch::matmul((a.q - a.zero_point).to(torch::kDouble), q_w.to(torch::kDouble).t());
}

std::unique_ptr<SimulatedQuant> SimulatedQuant::FromFile(const ModelFile& file, SimFormat format) {
  const std::string name = format == SimFormat::kW8A8 ? "w8a8" : "ternary";
  if (!file.h5().Exists(QuantTensorGroup(name, "embed"))) {
    throw UserError(file.path() + " holds no " + name + " weights; run: elastiq quantize --in " + file.path() +
                    " --format " + name + " --out Q.h5");
  }
  std::unique_ptr<SimulatedQuant> sim(new SimulatedQuant(format, /*fake=*/false));
  for (const WeightShape& w : MaxnetWeightShapes(file.config())) {
    if (w.shape.size() != 2 || w.name == "cls_head") continue;
    sim->tables_[w.name] = ReadTable(file, name, w.name, format == SimFormat::kTernary && w.name != "embed");
  }
  return sim;
}

std::unique_ptr<SimulatedQuant> SimulatedQuant::FakeQuant(SimFormat format) {
  return std::unique_ptr<SimulatedQuant>(new SimulatedQuant(format, /*fake=*/true));
}

QuantTable SimulatedQuant::TableOf(const torch::Tensor& base, const std::string& weight_name) {
  if (!fake_) return tables_.at(weight_name);
  return format_ == SimFormat::kTernary && weight_name != "embed" ? QuantizeRowsTernary(base) : QuantizeRowsW8(base);
}

torch::Tensor SimulatedQuant::Linear(const torch::Tensor& x, const torch::Tensor& base, int64_t rows, int64_t cols,
                                     const std::string& weight_name) {
  const QuantTable t = TableOf(base, weight_name);
  const bool int8_activations = format_ == SimFormat::kTernary && weight_name != "embed";
  const torch::Tensor x32 = x.to(torch::kFloat);
  const QuantActivations a = int8_activations ? QuantizeActivationsI8(x32) : QuantizeActivationsU8(x32);
  const torch::Tensor q_w = PrefixView(t.q, rows, cols), s_w = t.scale.narrow(0, 0, rows);
  if (!fake_) {  // the runtime's order: (s_a * s_w) * float(acc)
    torch::NoGradGuard no_grad;
    return (a.scale * s_w) * IntegerAccumulators(a, q_w).to(torch::kFloat);
  }
  const torch::Tensor w = PrefixView(base, rows, cols);
  const torch::Tensor w_q = StraightThrough(w, q_w * s_w.unsqueeze(1));
  const torch::Tensor x_q = StraightThrough(x32, (a.q - a.zero_point) * a.scale);
  return torch::linear(x_q, w_q);
}

torch::Tensor SimulatedQuant::Embedding(const torch::Tensor& embed) {
  const QuantTable t = TableOf(embed, "embed");
  const torch::Tensor table = t.scale.unsqueeze(1) * t.q;  // the runtime's s * q per element
  return fake_ ? StraightThrough(embed, table) : table;
}

}  // namespace elastiq
