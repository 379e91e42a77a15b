"""Inference runtimes for the project's transformer models: ONNX Runtime or PyTorch eager.

ONNX Runtime runs the same network (LoRA merged into the base, heads and shape embedding included):
in fp32 about 10% faster than PyTorch eager on the 2-core CPU machine with the same results; with
int8 weights (dynamic quantisation) the NER network runs 1.5× faster at the same CoNLL F1, the
target-sentiment soup scores as in fp32, and the stance model scores within the noise of fp32 on
DSA (model cards; ``bench/ner_speed.py``).

The graph is exported from the torch model once per artifact (a process that finds it cached
never builds that model) and cached under ``model_cache_dir`` (default
``$XDG_CACHE_HOME/actorwire``, ``/tmp/.cache/actorwire`` in the container image), named by a hash
of the artifact's files, the torch and onnxruntime versions and :data:`EXPORT_REVISION`, so a retrained model, an upgrade or a changed export never reuses a stale
graph. Export takes seconds and needs no network; concurrent processes write through a temporary
file and an atomic rename.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch

from actorwire.encoder import load_artifact, read_meta

log = logging.getLogger("actorwire.runtime")
EXPORT_REVISION = "2"  # part of the cached graph's name: bump when the export itself changes (2: eager attention)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/actorwire`` (``~/.cache/actorwire`` when unset)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "actorwire"


def artifact_digest(model_dir: Path, *extra: str) -> str:
    """sha256 (16 hex digits) over the files of a model artifact and ``extra`` strings."""
    import onnxruntime

    digest = hashlib.sha256()
    for path in sorted(Path(model_dir).iterdir()):
        if path.is_file() and path.suffix in (".json", ".safetensors"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for part in (torch.__version__, onnxruntime.__version__, *extra):
        digest.update(part.encode())
    return digest.hexdigest()[:16]


def export(model: torch.nn.Module, example: Sequence[torch.Tensor], names: Sequence[str], path: Path) -> None:
    """Export ``model`` to ``path`` (ONNX, opset 17) unless it is there. ``example`` is a tuple of
    input tensors named ``names``: batch and, for 2-D inputs, sequence length are dynamic axes; so
    are the output's batch axis and, for a 3-D output, its sequence axis."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        out = model(*example)
    axes = {name: {0: "batch", 1: "sequence"} if sequence else {0: "batch"}
            for name, sequence in (*((n, t.dim() > 1) for n, t in zip(names, example)), ("output", out.dim() > 2))}
    with _atomic(path) as tmp, torch.no_grad():
        torch.onnx.export(model, tuple(example), tmp, input_names=list(names), output_names=["output"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    log.info("exported %s", path)


@contextmanager
def _atomic(path: Path):
    """A temporary file beside ``path`` that replaces it when the block succeeds (readable by all)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


class OnnxModel:
    """An exported graph run by ONNX Runtime on the CPU, called like the torch module it came from:
    ``model(*tensors)`` returns the first output as a float tensor. ``threads`` bounds ONNX Runtime's
    intra-op pool (no oversubscription, pytorch/pytorch#19163). Raises ``onnxruntime`` errors when
    the graph cannot be loaded."""

    def __init__(self, path: Path, names: Sequence[str], threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # idle pool threads sleep instead of spinning: between runs the pipeline's own Python
        # work (tokenising, decoding) needs the cores (measured: spinning cost ~10% throughput)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.names = list(names)

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        feeds = {name: tensor.numpy() for name, tensor in zip(self.names, inputs)}
        return torch.from_numpy(self.session.run(None, feeds)[0])


def int8_path(path: Path) -> Path:
    """Where :func:`quantized` keeps the int8 twin of the graph at ``path``."""
    return path.with_suffix(".int8.onnx")


def quantized(path: Path) -> Path:
    """The int8 twin of an exported graph (dynamic quantisation of every MatMul's weights, per
    output channel, activations quantised at run time; onnxruntime.quantization), made once."""
    target = int8_path(path)
    if not target.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.disable(logging.INFO)  # the quantiser logs every tensor it skips on the root logger
        try:
            with _atomic(target) as tmp:
                quantize_dynamic(str(path), tmp, weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul"])
        finally:
            logging.disable(logging.NOTSET)
    return target


def load_accelerated(model_dir: Path, head: Callable, command: str, example: Sequence[torch.Tensor],
                     names: Sequence[str], runtime: str, cache_dir: Path | None,
                     threads: int) -> tuple[dict, Callable[..., torch.Tensor]]:
    """``(meta, model)`` of a model this project trained (:func:`~actorwire.encoder.read_meta`, which
    raises ``FileNotFoundError`` naming ``command`` when the artifact is missing). ``model`` is the
    torch network (:func:`~actorwire.encoder.load_artifact` with ``head``) for ``runtime="torch"``,
    else the cached :class:`OnnxModel` of that network: ``"onnx"`` (fp32, same results as torch) or
    ``"onnx-int8"`` (int8 weights, see :func:`quantized`). The torch network is built only when the
    graph is not cached yet, then switched to eager attention for the export: a worker whose graphs
    are cached never builds it, and its peak RSS stays ~0.4 GB lower (issue #7's 1.5 GB per worker)."""
    meta = read_meta(model_dir, command)
    if runtime == "torch":
        return meta, load_artifact(model_dir, head, command)[1]
    cache = cache_dir or default_cache_dir()
    path = cache / f"{Path(model_dir).name}-{artifact_digest(model_dir, EXPORT_REVISION, *names)}.onnx"
    int8 = runtime == "onnx-int8"
    if not path.exists() and not (int8 and int8_path(path).exists()):
        from transformers import PreTrainedModel

        model = load_artifact(model_dir, head, command)[1]
        # exported with eager attention: that graph ran ~10% faster under ONNX Runtime than the sdpa
        # export (NewsMTSC model on BBC sentences, 1 thread; probabilities equal to 1e-6)
        for module in model.modules():
            if isinstance(module, PreTrainedModel):
                module.set_attn_implementation("eager")
        export(model, example, names, path)
    return meta, OnnxModel(quantized(path) if int8 else path, names, threads)
