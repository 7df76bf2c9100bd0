"""Alternative: walks named_modules() and each module's own parameters (recurse=False),
deciding head membership from the module path; terms via torch.linalg.vector_norm."""

from __future__ import annotations

import torch


def _in_head(module_name: str, head: str) -> bool:
    return module_name == head or module_name.startswith(head + ".")


def l2_sp_penalty(model, pretrained_state, *, head, alpha=0.01, beta=0.01):
    pull, decay = [], []
    for module_name, module in model.named_modules():
        for param_name, w in module.named_parameters(recurse=False):
            full_name = f"{module_name}.{param_name}" if module_name else param_name
            if not _in_head(module_name, head) and full_name in pretrained_state:
                w0 = pretrained_state[full_name].detach().to(w)
                pull.append(torch.linalg.vector_norm(w - w0) ** 2)
            else:
                decay.append(torch.linalg.vector_norm(w) ** 2)
    device = next(model.parameters()).device
    pull_total = torch.stack(pull).sum() if pull else torch.zeros((), device=device)
    decay_total = torch.stack(decay).sum() if decay else torch.zeros((), device=device)
    return alpha * pull_total / 2 + beta * decay_total / 2
