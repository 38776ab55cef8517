"""The parsed options of one API request (query parameters and DeleteOptions), shared by the
routes that parse them and the services that act on them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver import gotext

VALIDATION_MODES = ("Strict", "Warn", "Ignore")
INT_RE = re.compile(r"[+-]?[0-9]{1,18}")


def flag(value: str | None) -> bool:
    """A boolean query parameter, as apimachinery's ``Convert_Slice_string_To_bool`` reads one: absent is
    false, and so are ``0`` and ``false`` in any case; anything else (even empty) is true (the Python client's
    ``watch=True``, kubectl's ``watch=true``)."""
    return value is not None and value != "0" and value.lower() != "false"


@dataclass(frozen=True)
class WriteOptions:
    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"
    force: bool = False


@dataclass(frozen=True)
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""


@dataclass(frozen=True)
class DeleteOptions:
    grace_period: int | None = None
    propagation: str | None = None
    dry_run: bool = False
    preconditions: dict[str, Any] = field(default_factory=dict)


def write_options(query: dict[str, str]) -> WriteOptions:
    mode = query.get("fieldValidation") or "Warn"
    if mode not in VALIDATION_MODES:
        raise ServiceError(errors.BAD_REQUEST, detail=f"fieldValidation must be one of Ignore, Warn, Strict; "
                                                      f"got {mode!r}")
    return WriteOptions(_dry_run(query.get("dryRun")), query.get("fieldManager", ""), mode,
                        query.get("force", "").lower() == "true")


def _dry_run(value: str | None) -> bool:
    if value in (None, ""):
        return False
    if value != "All":
        raise ServiceError(errors.BAD_REQUEST, detail=f'Invalid dryRun value: "{value}". Supported values: All')
    return True


def parse_resource_version(text: str) -> int:
    """A list or watch ``resourceVersion``: unset or ``0`` is 0; anything else must be what etcd's
    versioner parses (``strconv.ParseUint``), else ``400`` with the API server's message."""
    if text in ("", "0"):
        return 0
    value, problem = gotext.parse_uint(text)
    if value is None:
        raise ServiceError(errors.BAD_REQUEST, detail=gotext.invalid("resourceVersion", text, problem))
    return value


def list_options(query: dict[str, str]) -> ListOptions:
    limit = query.get("limit", "0") or "0"
    if not (limit.isascii() and limit.lstrip("-").isdigit()):
        raise ServiceError(errors.BAD_REQUEST, detail=f'limit: Invalid value: "{limit}": must be an integer')
    return ListOptions(query.get("labelSelector", ""), query.get("fieldSelector", ""), max(int(limit), 0),
                       query.get("continue", ""), query.get("resourceVersion", ""))


def timeout_seconds(query: dict[str, str], default: float) -> float:
    """``timeoutSeconds`` of a watch (an int64, as the API server converts it)."""
    text = query.get("timeoutSeconds", "")
    if text == "":
        return default
    if not INT_RE.fullmatch(text):
        raise ServiceError(errors.BAD_REQUEST, detail=f"strconv.ParseInt: parsing {gotext.quote(text)}: invalid syntax")
    return float(text) if int(text) > 0 else default


def delete_options(query: dict[str, str], body: dict[str, Any]) -> DeleteOptions:
    grace = body.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
    dry = body.get("dryRun") or ([query["dryRun"]] if query.get("dryRun") else [])
    for value in dry:
        _dry_run(value)
    propagation = body.get("propagationPolicy") or query.get("propagationPolicy")
    if body.get("orphanDependents") is True or query.get("orphanDependents") == "true":
        propagation = "Orphan"
    if propagation not in (None, "Orphan", "Background", "Foreground"):
        raise ServiceError(errors.BAD_REQUEST, detail=f'propagationPolicy: Unsupported value: "{propagation}"')
    try:
        grace_value = int(grace) if grace is not None else None
    except (TypeError, ValueError):
        raise ServiceError(errors.BAD_REQUEST, detail="gracePeriodSeconds must be an integer") from None
    return DeleteOptions(grace_value, propagation, bool(dry), dict(body.get("preconditions") or {}))
