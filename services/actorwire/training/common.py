"""Shared training plumbing: seeding, logging to a file, LoRA wrapping, resumable checkpoints, and
the epoch loop every model of the project is trained with (:func:`fit`)."""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

log = logging.getLogger("actorwire.training")

LORA_TARGETS = ["query", "key", "value", "dense"]  # attention, attention output and both FFN layers


def setup_run(work_dir: Path, seed: int, threads: int) -> None:
    """Seed python and torch, cap torch threads, and log to ``work_dir/train.log`` and stderr."""
    work_dir.mkdir(parents=True, exist_ok=True)
    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    handlers = [logging.FileHandler(work_dir / "train.log"), logging.StreamHandler(sys.stderr)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", handlers=handlers, force=True)


def lora_encoder(rank: int):
    """The cased base encoder (:class:`~actorwire.encoder.CasedEncoder`) with a LoRA adapter of
    ``rank`` (α = 2·rank) on every linear layer (:func:`add_lora`)."""
    from actorwire.encoder import CasedEncoder, load_base_encoder

    encoder = CasedEncoder(load_base_encoder())
    add_lora(encoder, rank=rank, alpha=2 * rank)
    return encoder


def add_lora(encoder, rank: int, alpha: int, dropout: float = 0.0) -> None:
    """Replace ``encoder.bert`` by a peft LoRA wrapper (Hu et al. 2021) on every linear layer.

    Only the LoRA matrices of the base are trainable; the caller's own modules (shape embedding,
    heads) stay trainable as they are. No LoRA dropout by default: on 2 CPU cores it cost ~25% of
    step time (measured here) for no gain we could see.
    """
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=LORA_TARGETS, bias="none")
    encoder.bert = get_peft_model(encoder.bert, config)


def optimizer_and_schedule(model: torch.nn.Module, lr: float, head_lr: float, steps: int, warmup: int):
    """AdamW (weight decay 0.01) with ``lr`` for the LoRA matrices and ``head_lr`` for the
    project's own modules, and a schedule warming up linearly over ``warmup`` steps, then decaying
    linearly to zero at ``steps``."""
    lora = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" in n]
    own = [p for n, p in model.named_parameters() if p.requires_grad and "lora_" not in n]
    optimizer = torch.optim.AdamW([{"params": lora, "lr": lr}, {"params": own, "lr": head_lr}], weight_decay=0.01)
    warmup = max(1, warmup)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / max(1, steps - warmup)))
    return optimizer, scheduler


def head_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Trainable parameters outside the peft adapter (heads, shape embedding), for ``head.safetensors``."""
    return {k: v.detach().clone().contiguous() for k, v in model.named_parameters()
            if v.requires_grad and "lora_" not in k}


def save_artifact(model: torch.nn.Module, out_dir: Path, meta: dict) -> None:
    """Write the shippable model: peft adapter, then :func:`write_head_and_meta`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model.encoder.bert.save_pretrained(str(out_dir))
    (out_dir / "README.md").unlink(missing_ok=True)  # peft's template card; ours is MODEL_CARD.md
    write_head_and_meta(out_dir, head_state(model), meta)


def write_head_and_meta(out_dir: Path, head: dict[str, torch.Tensor], meta: dict) -> None:
    """Write ``head.safetensors`` and ``meta.json`` of an artifact whose adapter is in ``out_dir``, and
    remove what was fitted on the outputs of the model replaced there (``calibration.json``: refit it
    with ``actorwire train calibration``)."""
    from safetensors.torch import save_file

    from actorwire.encoder import CALIBRATION_FILE, HEAD_FILE, META_FILE

    save_file(head, str(out_dir / HEAD_FILE))
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    (out_dir / CALIBRATION_FILE).unlink(missing_ok=True)


def save_checkpoint(path: Path, model, optimizer, scheduler, epoch: int, best: dict) -> None:
    """Everything needed to resume after ``epoch`` (0-based, completed)."""
    trainable = {k: v for k, v in model.state_dict().items() if "lora_" in k or k in head_state(model)}
    torch.save({"model": trainable, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "epoch": epoch, "best": best, "rng": torch.get_rng_state()}, path)


def load_checkpoint(path: Path, model, optimizer, scheduler) -> tuple[int, dict]:
    """Restore a :func:`save_checkpoint` file; returns (next epoch, best-so-far record)."""
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"], strict=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"])
    return state["epoch"] + 1, state["best"]


def fit(model: torch.nn.Module, examples: Sequence, batch_loss: Callable[[list], torch.Tensor],
        evaluate: Callable[[], dict], metric: str, out_dir: Path, work_dir: Path, meta: dict, *, epochs: int,
        select: bool, batch_size: int, lr: float, head_lr: float, seed: int, warmup_share: int,
        resume: bool) -> dict:
    """Train ``model`` (in place) and write the kept epoch as an artifact; returns its dev metrics.

    Each epoch shuffles ``examples`` (seed + epoch) and steps over batches of ``batch_size``:
    ``batch_loss(batch)`` gives the scalar loss; AdamW with ``lr`` for the LoRA matrices and
    ``head_lr`` for the rest (:func:`optimizer_and_schedule`, warm-up over 1/``warmup_share`` of the
    steps), gradients clipped at norm 1, fp32 (bf16 autocast ran 15x slower on this AVX2-only CPU).
    After each epoch ``evaluate()`` gives the dev metrics, a dict holding ``metric``. ``select``:
    keep the epoch with the best ``metric``; otherwise the last epoch is written (the dev data was
    trained on, or is part of a test set) and dev figures are logged for progress only. The
    artifact's ``meta.json`` is ``meta`` plus version, base model, the optimisation recipe and
    ``dev``. A checkpoint is written after every epoch; ``resume`` continues from it.
    """
    from actorwire.encoder import BASE_MODEL_NAME, BASE_MODEL_VERSION

    steps = epochs * ((len(examples) + batch_size - 1) // batch_size)
    optimizer, scheduler = optimizer_and_schedule(model, lr, head_lr, steps, warmup=steps // warmup_share)
    checkpoint = work_dir / "checkpoint.pt"
    start_epoch, best = 0, {metric: -1.0}
    if resume and checkpoint.exists():
        start_epoch, best = load_checkpoint(checkpoint, model, optimizer, scheduler)
        log.info("resumed after epoch %d (best dev %s %.4f)", start_epoch, metric, best[metric])
    for epoch in range(start_epoch, epochs):
        model.train()
        order = list(range(len(examples)))
        random.Random(seed + epoch).shuffle(order)
        started, total, n_steps = time.perf_counter(), 0.0, 0
        for b in range(0, len(order), batch_size):
            loss = batch_loss([examples[i] for i in order[b : b + batch_size]])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += float(loss.detach())
            n_steps += 1
            if n_steps % 50 == 0:
                log.info("epoch %d step %d/%d loss %.4f", epoch + 1, n_steps, len(order) // batch_size, total / n_steps)
        model.eval()
        metrics = evaluate()
        log.info("epoch %d done in %.0fs, mean loss %.4f, dev %s %.4f", epoch + 1, time.perf_counter() - started,
                 total / n_steps, metric, metrics[metric])
        if (metrics[metric] > best[metric]) if select else epoch + 1 == epochs:
            best = {**metrics, "epoch": epoch + 1}
            recipe = {"lr": lr, "head_lr": head_lr, "epochs": epochs, "batch_size": batch_size, "seed": seed,
                      **meta.get("recipe", {})}
            save_artifact(model, out_dir, {**meta, "version": time.strftime("%Y.%m.%d"), "recipe": recipe,
                                           "base_model": {"name": BASE_MODEL_NAME, "version": BASE_MODEL_VERSION},
                                           "dev": best})
        save_checkpoint(checkpoint, model, optimizer, scheduler, epoch, best)
    return best
