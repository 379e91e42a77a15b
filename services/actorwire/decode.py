"""Boundary checks: raw bytes from ``news.raw`` to a validated ninjs item, or a clear rejection."""

from __future__ import annotations

import json

from pydantic import ValidationError

from actorwire.messages import NinjsItem


class Rejected(Exception):
    """An input that can never be processed; it goes to the dead-letter topic with ``reason``."""

    def __init__(self, reason: str, error_class: str):
        super().__init__(reason)
        self.reason = reason
        self.error_class = error_class


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def decode_ninjs(raw: bytes, max_bytes: int) -> NinjsItem:
    """Parse and validate one ``news.raw`` message.

    Raises :class:`Rejected` for: size over ``max_bytes``, invalid UTF-8, invalid JSON (NaN and
    Infinity included), nesting too deep to parse, JSON that is not an object, and ninjs validation
    errors (wrong types, unknown properties, missing ``uri``). A leading byte-order mark is allowed.
    """
    if len(raw) > max_bytes:
        raise Rejected(f"message of {len(raw)} bytes exceeds the limit of {max_bytes} bytes", "MessageTooLarge")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(f"invalid UTF-8 at byte {exc.start}", "UnicodeDecodeError") from None
    try:
        obj = json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constants)
    except RecursionError:
        raise Rejected("JSON nested too deeply", "RecursionError") from None
    except ValueError as exc:
        raise Rejected(f"invalid JSON: {exc}", type(exc).__name__) from None
    if not isinstance(obj, dict):
        raise Rejected(f"expected a JSON object (ninjs item), got {type(obj).__name__}", "TypeError")
    try:
        return NinjsItem.model_validate(obj)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors()[:5])
        raise Rejected(f"not a valid ninjs item: {problems}", "ValidationError") from None
