"""Turning a deployment request body (``{"location", "properties": {"template", "parameters", "mode"}}``)
into a ``Request`` for the engine."""

from __future__ import annotations

from typing import Any

from pullproof.arm import errors as arm_errors
from pullproof.arm.tags import check_tags
from pullproof.core import jsonbody
from pullproof.core.errors import ServiceError
from pullproof.iac import errors
from pullproof.iac.context import Scope
from pullproof.iac.errors import DeploymentError, WireError
from pullproof.iac.jsonc import JsoncError, Parsed, parse
from pullproof.iac.requests import Request
from pullproof.iac.template import Template
from pullproof.iac.values import get_property


def parse_body(raw: bytes) -> Parsed:
    """The body as ARM's lenient reader reads it (the Azure CLI's spliced JSONC included)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceError(arm_errors.INVALID_CONTENT, detail=str(exc)) from None
    try:
        jsonbody.check_depth(raw)
        parsed = parse(text)
    except (JsoncError, jsonbody.JsonBodyError) as exc:
        raise ServiceError(arm_errors.INVALID_CONTENT, detail=exc.detail) from None
    if not isinstance(parsed.value, dict):
        raise ServiceError(arm_errors.INVALID_CONTENT, detail="The request content must be a JSON object.")
    return parsed


def request_from_body(name: str, scope: Scope, parsed: Parsed) -> Request:
    body: dict[str, Any] = parsed.value
    props = get_property(body, "properties")[1]
    if not isinstance(props, dict):
        raise ServiceError(arm_errors.INVALID_CONTENT, detail="Required property 'properties' not found in JSON.")
    _no_links(props)
    template = get_property(props, "template")[1]
    if template is None:
        raise ServiceError(errors.TEMPLATE_REQUIRED)
    parameters = get_property(props, "parameters")[1] or {}
    if not isinstance(parameters, dict) or not all(isinstance(v, dict) for v in parameters.values()):
        raise ServiceError(arm_errors.INVALID_CONTENT, detail="'properties.parameters' must be an object of "
                           "{\"value\": …} objects.")
    mode = str(get_property(props, "mode")[1] or "Incremental")
    if mode.lower() != "incremental":
        raise ServiceError(errors.BAD_MODE, mode=mode, scope=scope.id)
    location = body.get("location")
    check_tags(body)
    tags = body.get("tags")
    return Request(name, scope, Template.of(template, ("properties", "template"), parsed.positions), parameters,
                   location.lower().replace(" ", "") if isinstance(location, str) and location else None, "Incremental",
                   tags if isinstance(tags, dict) else None)


def _no_links(props: dict[str, Any]) -> None:
    for key in ("templateLink", "parametersLink"):
        link = get_property(props, key)[1]
        if isinstance(link, dict):
            uri = link.get("uri") or link.get("id") or ""
            raise DeploymentError(errors.CONTENT_LINK, WireError.of(errors.CONTENT_LINK, uri=uri))
