"""Model soups (``actorwire train soup``): the souped artifact loads as one model whose weights are
the members' average, exactly."""

import json

import pytest
import torch

from actorwire.encoder import load_artifact
from actorwire.sentiment.marked import MarkedSpanClassifier
from actorwire.training.common import lora_encoder, save_artifact
from actorwire.training.soup import soup


def build(encoder):
    return MarkedSpanClassifier(encoder, spans=1, labels=3)


def member(path, seed: int, rank: int = 2):
    """A small trained-looking artifact: random LoRA matrices (B is zero at init), head and casing."""
    torch.manual_seed(seed)
    model = build(lora_encoder(rank))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad:
                p.normal_(0, 0.02)
    save_artifact(model, path, {"name": "toy", "labels": ["negative", "neutral", "positive"], "version": "1",
                                "base_model": {"name": "base"}, "recipe": {"seed": seed}})
    return path


def test_soup_is_the_average_of_the_members_merged_weights(tmp_path):
    members = [member(tmp_path / f"m{seed}", seed) for seed in (1, 2)]
    (members[0] / "calibration.json").write_text("{}")
    meta = soup(members, members[0])  # written over a member: all are read first

    loaded = [load_artifact(tmp_path / name, build, "train")[1].state_dict() for name in ("m1", "m2")]
    assert not (members[0] / "calibration.json").exists()  # fitted on the old model's outputs
    assert json.loads((members[0] / "adapter_config.json").read_text())["r"] == 4
    assert [m["seed"] for m in meta["recipe"]["members"]] == [1, 2]
    souped, second = loaded
    first = load_artifact(member(tmp_path / "again", 1), build, "train")[1].state_dict()
    for key, value in souped.items():
        assert torch.allclose(value, (first[key] + second[key]) / 2, atol=1e-6), key
    assert not torch.allclose(first["classifier.weight"], second["classifier.weight"])


def test_members_of_different_recipes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="adapter r"):
        soup([member(tmp_path / "a", 1, rank=2), member(tmp_path / "b", 2, rank=4)], tmp_path / "out")
    with pytest.raises(ValueError, match="at least two"):
        soup([tmp_path / "a"], tmp_path / "out")
