"""Deterministic ARM names: ``guid()`` as ARM computes it (UUID v5 in ARM's namespace over the
arguments joined with '-'), shared by the template engine, the linter and the fixes."""

from __future__ import annotations

import uuid

ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


def arm_guid(*parts: str) -> str:
    if not parts:
        raise ValueError("guid() needs at least one argument")
    return str(uuid.uuid5(ARM_GUID_NAMESPACE, "-".join(parts)))
