"""JSON Schema files generated from the pydantic models (the models are the source of truth)."""

from __future__ import annotations

import json
from pathlib import Path

from actorwire.messages import TOPIC_MODELS


def render_schemas() -> dict[str, str]:
    """File name → JSON Schema text for every message model."""
    return {f"{name}.json": json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True) + "\n"
            for name, model in TOPIC_MODELS.items()}


def write_schemas(out: Path, check: bool = False) -> list[str]:
    """Write the schemas to ``out`` (or, with ``check``, only compare). Returns stale file names."""
    stale = []
    for name, text in render_schemas().items():
        path = out / name
        if not path.exists() or path.read_text() != text:
            stale.append(name)
            if not check:
                out.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    return stale
