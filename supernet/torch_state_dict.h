// Reads a PyTorch state dict saved with torch.save (the zip format every PyTorch since 1.6 writes;
// Hugging Face's pytorch_model.bin) through LibTorch's own zip reader and unpickler. One gap of the
// unpickler is bridged before it runs: LibTorch 1.13 turns every collections.OrderedDict into None
// (it expects them only as a tensor's empty backward hooks), and model.state_dict() is an
// OrderedDict; RewriteOrderedDicts makes each `OrderedDict()` construction in the pickle a plain
// empty dict, which the items that follow then fill as before.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace elastiq {

// name -> tensor (its dtype as saved). UserError naming the file for a file that is not a zip-format
// torch.save archive, a pickle that is not a dict of tensors, or one the rewrite does not understand.
std::map<std::string, torch::Tensor> LoadTorchStateDict(const std::string& path);

// The pickle (protocol 2, as torch.save writes) with each `GLOBAL collections OrderedDict`, or a
// memo reference to it, that is called with no arguments (`EMPTY_TUPLE REDUCE`) replaced by
// EMPTY_DICT. UserError (`what` names the file) for an opcode outside protocol 2's binary subset or
// another use of OrderedDict.
std::string RewriteOrderedDicts(const std::string& pickle, const std::string& what);

}  // namespace elastiq
