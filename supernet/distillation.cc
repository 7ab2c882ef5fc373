// The temperature-scaled KL distillation loss.
#include "supernet/distillation.h"

namespace elastiq {

torch::Tensor DistillationKl(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits, double tau) {
  const int64_t classes = student_logits.size(-1);
  torch::Tensor log_p_s = torch::log_softmax(student_logits.to(torch::kFloat).reshape({-1, classes}) / tau, -1);
  torch::Tensor log_p_t =
      torch::log_softmax(teacher_logits.detach().to(torch::kFloat).reshape({-1, classes}) / tau, -1);
  return (log_p_t.exp() * (log_p_t - log_p_s)).sum(-1).mean() * (tau * tau);
}

}  // namespace elastiq
