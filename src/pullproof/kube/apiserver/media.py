"""Media types: what a request body is (JSON, protobuf, a patch flavour) and what the client accepts
(plain JSON, a server-side ``Table``, aggregated discovery)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pullproof.core import jsonbody
from pullproof.core.errors import ServiceError
from pullproof.kube import errors
from pullproof.kube.apiserver.protobuf import ProtobufCodec, ProtobufError

JSON = "application/json"
PROTOBUF = "application/vnd.kubernetes.protobuf"
YAML = "application/yaml"
PATCH_TYPES = {
    "application/strategic-merge-patch+json": "strategic",
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply-cbor",
}
PATCH_ACCEPTED = ("application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml, application/strategic-merge-patch+json")
CUSTOM_PATCH_ACCEPTED = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
"""Custom resources take no strategic merge patch (they have no patch strategies)."""
DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@dataclass(frozen=True)
class MediaRange:
    type: str
    params: dict[str, str]


def parse_accept(header: str | None) -> list[MediaRange]:
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = dict(p.partition("=")[::2] for p in pieces[1:] if "=" in p)
        ranges.append(MediaRange(pieces[0].lower(), {k.strip(): v.strip() for k, v in params.items()}))
    return ranges


def table_version(accept: str | None) -> str | None:
    """``v1``/``v1beta1`` when the first acceptable range asks for a meta.k8s.io Table."""
    for media in parse_accept(accept):
        if media.params.get("as") == "Table" and media.params.get("g") == "meta.k8s.io":
            if media.params.get("v") in ("v1", "v1beta1"):
                return media.params["v"]
            continue
        if media.type in (JSON, "*/*", "application/*", PROTOBUF):
            return None
    return None


def wants_aggregated(accept: str | None) -> bool:
    for media in parse_accept(accept):
        if media.params.get("as") == "APIGroupDiscoveryList":
            if media.params.get("g") == "apidiscovery.k8s.io" and media.params.get("v") == "v2":
                return True
            continue
        if media.type in (JSON, "*/*", "application/*"):
            return False
    return False


def base_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def patch_type(content_type: str | None, custom: bool = False) -> str:
    kind = PATCH_TYPES.get(base_type(content_type))
    if kind is None or kind == "apply-cbor" or (custom and kind == "strategic"):
        raise ServiceError(errors.UNSUPPORTED_PATCH, media=base_type(content_type) or "",
                           accepted=CUSTOM_PATCH_ACCEPTED if custom else PATCH_ACCEPTED)
    return kind


def parse_json(body: bytes) -> Any:
    """A JSON body, bounded in depth; lone surrogates become U+FFFD, as Go's decoder makes them."""
    try:
        return jsonbody.loads(body, surrogates="replace")
    except jsonbody.JsonBodyError as exc:
        raise ServiceError(errors.BAD_REQUEST, detail=f"error decoding request body: {_go_wording(exc)}") from None


def _go_wording(exc: jsonbody.JsonBodyError) -> str:
    if exc.kind == "depth":
        return f"invalid character '{exc.char}' exceeded max depth"
    return exc.detail


def decode_object(body: bytes, content_type: str | None, message: str, codec: ProtobufCodec) -> dict[str, Any]:
    """The object a create/update body carries, as a JSON dict."""
    kind = base_type(content_type)
    if kind == PROTOBUF and not message:
        raise ServiceError(errors.NOT_ACCEPTABLE)  # custom resources have no protobuf encoding
    if kind == PROTOBUF:
        try:
            return codec.decode(body, message)[2]
        except (ProtobufError, UnicodeDecodeError) as exc:
            raise ServiceError(errors.BAD_REQUEST, detail=f"failed to decode protobuf body: {exc}") from exc
    if kind in (JSON, YAML, "") or kind.endswith("+json"):
        data = parse_json(body)
        if not isinstance(data, dict):
            raise ServiceError(errors.BAD_REQUEST, detail="the request body must be an object")
        return data
    raise ServiceError(errors.NOT_ACCEPTABLE)
