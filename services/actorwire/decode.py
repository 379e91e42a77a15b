"""Boundary checks: raw bytes from ``news.raw`` to a validated ninjs item, or a clear rejection."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from actorwire.messages import NinjsItem


class Rejected(Exception):
    """An input that can never be processed; it goes to the dead-letter topic with ``reason``."""

    def __init__(self, reason: str, error_class: str):
        reason = reason.encode("utf-8", "backslashreplace").decode("utf-8")  # a dead letter is UTF-8 JSON
        super().__init__(reason)
        self.reason = reason
        self.error_class = error_class


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a "\\ud800" escape in the JSON text


def _holds_surrogate(value) -> bool:
    """Whether parsed JSON ``value`` holds a lone surrogate in a string or a key (iterative: any depth)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
    return False


def _lone_surrogate_at(obj: dict) -> str | None:
    """The first property of ``obj`` holding a lone surrogate (which no UTF-8 output can carry),
    outside the ``value`` of headlines and bodies (text, where :class:`~actorwire.messages.NinjsText`
    drops them); ``None`` when there is none."""
    for key, value in obj.items():
        if _holds_surrogate(key):
            return "a property name"
        if key in ("headlines", "bodies") and isinstance(value, list):
            for n, text in enumerate(value):
                if isinstance(text, dict):
                    text = {k: v for k, v in text.items() if k != "value" or not isinstance(v, str)}
                if _holds_surrogate(text):
                    return f"{key}.{n}"
        elif _holds_surrogate(value):
            return key
    return None


# levels of objects and arrays an item may nest (ninjs needs about 5): deeper ones parse, but kept
# properties are written out again and a deep one failed there (hostile-input trial: an embargoed
# item with keywords 900 deep failed when held on news.embargoed, as a processing failure)
MAX_DEPTH = 64


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    """``json.loads``' object hook: a key given twice is an error, not the last value silently."""
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"duplicate key {twice!r}")
    return obj


def _depth(value: Any) -> int:
    """Levels of objects and arrays in a parsed JSON value, without recursion."""
    deepest, level = 0, [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            level.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def decode_ninjs(raw: bytes, max_bytes: int) -> NinjsItem:
    """Parse and validate one ``news.raw`` message.

    Raises :class:`Rejected` for: size over ``max_bytes``, no bytes at all, invalid UTF-8, invalid JSON (NaN and
    Infinity included, a key given twice), nesting deeper than :data:`MAX_DEPTH`, JSON that is not
    an object, a lone surrogate escape (``"\\ud800"``) anywhere but in headline and body text
    (``uri``, ``version``, ``language``...: no UTF-8 output could carry it), and ninjs validation
    errors (wrong types, unknown properties, missing ``uri``); any other error while validating is
    a rejection too, never an exception of another type. A leading byte-order mark is allowed.
    """
    if len(raw) > max_bytes:
        raise Rejected(f"message of {len(raw)} bytes exceeds the limit of {max_bytes} bytes", "MessageTooLarge")
    if not raw:
        raise Rejected("empty message (no value: a tombstone, or nothing was sent)", "ValueError")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(f"invalid UTF-8 at byte {exc.start}", "UnicodeDecodeError") from None
    try:
        obj = json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constants, object_pairs_hook=no_duplicate_keys)
    except RecursionError:
        raise Rejected("JSON nested too deeply", "RecursionError") from None
    except ValueError as exc:
        raise Rejected(f"invalid JSON: {exc}", type(exc).__name__) from None
    if not isinstance(obj, dict):
        raise Rejected(f"expected a JSON object (ninjs item), got {type(obj).__name__}", "TypeError")
    if _depth(obj) > MAX_DEPTH:
        raise Rejected(f"JSON nested more than {MAX_DEPTH} levels deep", "RecursionError")
    where = _lone_surrogate_at(obj) if _SURROGATE_ESCAPE.search(text) else None
    if where is not None:
        raise Rejected(f"lone surrogate (not encodable as UTF-8) in {where}", "UnicodeEncodeError")
    try:
        return NinjsItem.model_validate(obj)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors()[:5])
        raise Rejected(f"not a valid ninjs item: {problems}", "ValidationError") from None
    except Exception as exc:  # noqa: BLE001 - a validator bug must reject one item, never stop a partition
        raise Rejected(f"not a valid ninjs item: {exc}"[:2000], type(exc).__name__) from None
