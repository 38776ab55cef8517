"""What a finished deployment leaves behind: its body (``DeploymentExtended``), its operations
(``GET …/operations``) and the status its async-operation URL answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.arm.models import DEPLOYMENT_TYPE
from pullproof.core.clock import isoformat
from pullproof.iac.context import Scope
from pullproof.iac.errors import WireError
from pullproof.iac.values import Unknown


def plain(value: Any) -> Any:
    """``Unknown`` values as the expression text ARM shows for them."""
    if isinstance(value, Unknown):
        return value.text
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
STATUS_NAMES = {200: "OK", 201: "Created", 202: "Accepted", 204: "NoContent", 400: "BadRequest", 401: "Unauthorized",
                403: "Forbidden", 404: "NotFound", 409: "Conflict", 413: "RequestEntityTooLarge",
                500: "InternalServerError"}


def duration(seconds: float) -> str:
    """ISO 8601 duration as .NET writes it (``PT33.8195033S``)."""
    text = f"{max(seconds, 0.0):.7f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


@dataclass
class OperationRecord:
    operation_id: str
    provisioning_operation: str
    state: str
    status: int
    timestamp: float
    seconds: float
    tracking_id: str
    target: dict[str, str] | None = None
    error: WireError | None = None

    def to_json(self, deployment_id: str) -> dict[str, Any]:
        props: dict[str, Any] = {
            "provisioningOperation": self.provisioning_operation, "provisioningState": self.state,
            "timestamp": isoformat(self.timestamp), "duration": duration(self.seconds),
            "trackingId": self.tracking_id, "serviceRequestId": self.tracking_id,
            "statusCode": STATUS_NAMES.get(self.status, str(self.status)),
        }
        if self.error is not None:
            props["statusMessage"] = {"status": "Failed", "error": self.error.to_json()}
        if self.target is not None:
            props["targetResource"] = dict(self.target)
        return {"id": f"{deployment_id}/operations/{self.operation_id}", "operationId": self.operation_id,
                "properties": props}


@dataclass
class Outcome:
    """A deployment that ran (or was refused while running)."""

    name: str
    scope: Scope
    location: str | None
    template: dict[str, Any]
    template_hash: str
    parameters: dict[str, Any]
    correlation_id: str
    started: float
    ended: float = 0.0
    state: str = "Succeeded"
    mode: str = "Incremental"
    outputs: dict[str, Any] | None = None
    output_resources: list[str] = field(default_factory=list)
    operations: list[OperationRecord] = field(default_factory=list)
    error: WireError | None = None
    providers: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return self.scope.deployment_id(self.name)

    def body(self, state: str | None = None, raw: bool = False) -> dict[str, Any]:
        """The deployment as ``GET`` shows it (``state`` overrides the state and leaves the results out;
        ``raw`` keeps values only the deployment can know as ``Unknown``, for what-if's own reads)."""
        props: dict[str, Any] = {
            "templateHash": self.template_hash, "parameters": self.parameters, "mode": self.mode,
            "provisioningState": state or self.state, "timestamp": isoformat(self.ended or self.started),
            "duration": duration(self.ended - self.started if self.ended else 0.0),
            "correlationId": self.correlation_id, "providers": self.providers, "dependencies": self.dependencies,
        }
        if self.outputs is not None and state is None:
            props["outputs"] = self.outputs if raw else plain(self.outputs)
        if state is None:
            props["outputResources"] = [{"id": rid} for rid in self.output_resources]
        if self.error is not None and state is None:
            props["error"] = self.error.to_json()
        body: dict[str, Any] = {"id": self.id, "name": self.name, "type": DEPLOYMENT_TYPE}
        if self.location is not None:
            body["location"] = self.location
        if self.tags:
            body["tags"] = self.tags
        body["properties"] = props
        return body

    def status(self) -> dict[str, Any]:
        """The body of the async-operation URL once the deployment is done."""
        if self.error is not None:
            return {"status": "Failed", "error": self.error.to_json()}
        return {"status": self.state}
