// Prune-and-distill for one size (Minitron's recipe): the student is one subnet shape of a frozen
// teacher, started from the teacher's importance-rewired weights (every prefix keeps the most
// important channels, neurons and KV groups) or at random, and trained on
//   kd_weight * T^2 KL(p_teacher,T || p_student,T) + task_weight * CE(targets)
//   + hidden_weight * MSE(student last block output, the teacher's same channels)
// with the teacher's logits computed on the fly (bf16 autocast like the student), through the
// pretraining loop: progress, validation, atomic checkpoints and exact --resume. The output is an
// ordinary model file (the teacher's config, the student's shape as its palette entry).
#pragma once

#include "supernet/distill_options.h"
#include "supernet/pretrain.h"

namespace elastiq {

// UserError for a spec outside the teacher, a --shape-from of another config (vocabulary included),
// negative or all-zero loss weights, a temperature <= 0 or an unknown --init.
PretrainSummary RunDistill(const DistillOptions& options);

// The loss above for one batch (exposed for tests); `teacher` runs its maxnet without gradients.
torch::Tensor DistillationLoss(SuperTransformer& student, const SubnetSpec& spec, SuperTransformer& teacher,
                               const TaskBatch& batch, const DistillOptions& o);

}  // namespace elastiq
