// Knowledge-distillation losses shared by the training commands that distil one model into
// another: MLFS (subnets from the maxnet, the maxnet from the frozen teacher) and QAT (each entry
// from its own fp32 self).
#pragma once

#include <torch/torch.h>

namespace elastiq {

// KL(p_teacher || p_student) at temperature tau, times tau^2 (Hinton et al. 2015), mean over rows;
// logits (..., classes). The teacher side carries no gradient.
torch::Tensor DistillationKl(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits, double tau);

}  // namespace elastiq
