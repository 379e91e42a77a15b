"""A uniform model soup of artifacts trained with the same recipe (``actorwire train soup``).

Wortsman et al., "Model soups: averaging weights of multiple fine-tuned models improves accuracy
without increasing inference time" (ICML 2022): models fine-tuned from one pre-trained base with
different seeds can be averaged weight by weight, and the average is often better than each member
at the cost of one. Here each member is a LoRA adapter on the same base plus a head, so the average
of the merged weights is itself a LoRA adapter, exactly: with each member's update
``(α/r)·Bᵢ·Aᵢ``, the mean over ``n`` members is ``(nα/nr)·[B₁/n … Bₙ/n]·[A₁; …; Aₙ]``, a rank-``n·r``
adapter with the same scaling. Heads and the casing embedding are averaged plainly.

Measured on NewsMTSC test-rw (issue #5, the target-sentiment model card): members 0.804, 0.806
and 0.792 macro-F1, their soup 0.808 at the cost of one model (test-mt 0.759; members 0.753–0.761).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from peft.utils import CONFIG_NAME as ADAPTER_CONFIG
from peft.utils import SAFETENSORS_WEIGHTS_NAME as ADAPTER_WEIGHTS

from actorwire.encoder import HEAD_FILE, META_FILE
from actorwire.training.common import write_head_and_meta


def _same(values: Sequence, what: str) -> None:
    if any(v != values[0] for v in values[1:]):
        raise ValueError(f"members differ in {what}: {values}")


def soup(members: Sequence[Path], out_dir: Path) -> dict:
    """Write the uniform soup of ``members`` (artifact directories: ``meta.json``, peft LoRA
    adapter, ``head.safetensors``) to ``out_dir`` and return its ``meta.json`` content.

    ``out_dir`` may be one of the members (all are read first); a calibration fitted on the outputs
    of the model replaced there is removed (:func:`~actorwire.training.common.write_head_and_meta`).
    Raises ``ValueError`` for fewer than two members or members that differ in name, labels, base
    model, adapter configuration or tensor shapes, and ``FileNotFoundError`` for a missing file.
    """
    from safetensors.torch import load_file, save_file

    if len(members) < 2:
        raise ValueError("a soup needs at least two members")
    metas = [json.loads((Path(m) / META_FILE).read_text()) for m in members]
    configs = [json.loads((Path(m) / ADAPTER_CONFIG).read_text()) for m in members]
    for key in ("name", "labels", "base_model"):
        _same([meta.get(key) for meta in metas], key)
    for key in ("r", "lora_alpha", "target_modules", "peft_type", "use_rslora", "use_dora", "rank_pattern",
                "alpha_pattern", "modules_to_save"):
        _same([sorted(v) if isinstance(v := config.get(key), list) else v for config in configs], f"adapter {key}")
    if configs[0].get("peft_type") != "LORA" or any(configs[0].get(key) for key in (
            "use_rslora", "use_dora", "rank_pattern", "alpha_pattern", "modules_to_save")):
        raise ValueError("only plain LoRA adapters (one rank and scaling, no saved modules) can be souped")
    adapters = [load_file(str(Path(m) / ADAPTER_WEIGHTS)) for m in members]
    heads = [load_file(str(Path(m) / HEAD_FILE)) for m in members]
    for what, states in (("adapter tensors", adapters), ("head tensors", heads)):
        _same([{k: tuple(v.shape) for k, v in s.items()} for s in states], what)

    n = len(members)
    adapter = {}
    for key in adapters[0]:
        parts = [a[key] for a in adapters]
        if key.endswith("lora_A.weight"):  # [r, in] stacked → [n·r, in]
            adapter[key] = torch.cat(parts, dim=0).contiguous()
        elif key.endswith("lora_B.weight"):  # [out, r] side by side, each 1/n → [out, n·r]
            adapter[key] = (torch.cat(parts, dim=1) / n).contiguous()
        else:
            raise ValueError(f"unexpected adapter tensor {key}")
    head = {k: (sum(h[k] for h in heads) / n).contiguous() for k in heads[0]}
    config = {**configs[0], "r": n * configs[0]["r"], "lora_alpha": n * configs[0]["lora_alpha"]}
    meta = {key: metas[0][key] for key in ("name", "labels", "base_model")}
    meta |= {"version": time.strftime("%Y.%m.%d"),
             "recipe": {"soup": "uniform weight average (Wortsman et al. 2022), actorwire train soup",
                        "members": [{"version": m["version"], **m["recipe"]} for m in metas]}}

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(adapter, str(out_dir / ADAPTER_WEIGHTS))
    (out_dir / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    write_head_and_meta(out_dir, head, meta)
    return meta
