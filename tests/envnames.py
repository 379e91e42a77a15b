"""Which ``ACTORWIRE_*`` environment variable names are settings (pydantic-settings ignores the others
silently, so a misspelt name in a deployment file would go unnoticed)."""

from __future__ import annotations

from pydantic import BaseModel

from actorwire.settings import Settings


def is_setting(name: str) -> bool:
    """Whether ``name`` (e.g. ``ACTORWIRE_WORKER__HTTP_PORT``) sets a field of :class:`Settings`."""
    prefix = Settings.model_config["env_prefix"]
    if not name.startswith(prefix):
        return False
    model: type[BaseModel] | None = Settings
    for part in name[len(prefix):].lower().split(Settings.model_config["env_nested_delimiter"]):
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model is None
