"""The port every resource type implements, and what ARM hands it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pullproof.arm.models import Resource, ResourceRef
from pullproof.identity.models import Caller


@dataclass(frozen=True)
class PutRequest:
    """A validated PUT: the addressed resource, the request body, the stored one (if any)."""

    ref: ResourceRef
    body: dict[str, Any]
    existing: Resource | None
    caller: Caller
    api_version: str


class ResourceProvider(Protocol):
    """One resource type. ``build`` returns the full JSON body to store and return (or raises
    ``ServiceError``); ARM itself does authentication, authorization, storage and envelopes."""

    resource_type: str
    actions: frozenset[str]
    long_running_delete: bool
    """True when DELETE answers ``202`` with an (already finished) async operation, as AKS does."""

    def build(self, request: PutRequest) -> dict[str, Any]:
        """The resource's body after this PUT (``id``, ``name``, ``type`` and ``properties`` included)."""
        ...

    def stored(self, resource: Resource) -> None:
        """Called after a PUT has been committed (e.g. to start what the resource runs)."""
        ...

    def render(self, resource: Resource, api_version: str) -> dict[str, Any]:
        """The body of a GET (e.g. without secrets)."""
        ...

    def deleted(self, resource: Resource, *, cascade: bool) -> None:
        """Called after the resource is removed; releases what it owned (identities, data).

        ``cascade`` is true when it goes because an ancestor is being deleted (children go first)."""
        ...

    def action(self, resource: Resource, action: str, payload: dict[str, Any], caller: Caller) -> tuple[int, Any]:
        """A POST action (``listCredentials``...): status and JSON body."""
        ...
