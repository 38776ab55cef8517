"""Tag rules ARM enforces on every resource and resource group, whatever writes it (a PUT, a PATCH,
a template deployment): at most 50 tags; names up to 512 characters without ``< > % & \\ ? /`` or
control characters; values strings of up to 256 characters."""

from __future__ import annotations

import re
from typing import Any

from pullproof.arm import errors
from pullproof.core.errors import ServiceError

MAX_TAGS = 50
MAX_NAME = 512
MAX_VALUE = 256
RESERVED = re.compile(r"[<>%&\\?/\x00-\x1f\x7f]")
EXEMPT_PREFIXES = ("hidden-", "link:")  # the only tag names that may hold reserved characters


def check_tags(body: dict[str, Any]) -> None:
    """Raise ``ServiceError`` (400) when the body's ``tags`` break ARM's rules."""
    if "tags" not in body or body["tags"] is None:
        return
    tags = body["tags"]
    if not isinstance(tags, dict):
        raise ServiceError(errors.TAGS_SHAPE)
    if len(tags) > MAX_TAGS:
        raise ServiceError(errors.TAGS_COUNT, count=len(tags), limit=MAX_TAGS)
    reserved = [name for name in tags if RESERVED.search(name) and not name.lower().startswith(EXEMPT_PREFIXES)]
    if reserved:
        raise ServiceError(errors.TAG_NAME_CHARACTERS, names=", ".join(reserved))
    for name, value in tags.items():
        if len(name) > MAX_NAME:
            raise ServiceError(errors.TAG_NAME_LENGTH, name=name, limit=MAX_NAME)
        if not isinstance(value, str):
            raise ServiceError(errors.TAG_VALUE_TYPE, name=name, type=_kind(value))
        if len(value) > MAX_VALUE:
            raise ServiceError(errors.TAG_VALUE_LENGTH, value=value, limit=MAX_VALUE)


def _kind(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    return "Array" if isinstance(value, list) else "Object"
