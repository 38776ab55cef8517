"""Deploying a prepared template's resources one by one, and recording an operation for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pullproof.core.clock import Clock
from pullproof.core.errors import ServiceError
from pullproof.core.ids import IdFactory
from pullproof.iac import errors
from pullproof.iac.backend import Backend
from pullproof.iac.context import Frame, Scope
from pullproof.iac.errors import ExpressionError, WireError, as_wire
from pullproof.iac.evaluator import resolve
from pullproof.iac.plan import Planned, Prepared
from pullproof.iac.records import OperationRecord, Outcome
from pullproof.iac.requests import Request
from pullproof.iac.resource_ids import split_id
from pullproof.iac.runtime import Mode
from pullproof.iac.values import Unknown, has_unknown


class Runner(Protocol):
    """What an execution needs of the engine that runs it: the backend, clock and ids, each resource's
    body, and running a nested deployment."""

    backend: Backend
    clock: Clock
    ids: IdFactory

    @property
    def mode(self) -> Mode: ...

    def frame_of(self, prepared: Prepared, item: Planned) -> Frame: ...

    def body(self, prepared: Prepared, item: Planned) -> dict[str, Any]: ...

    def nested_request(self, prepared: Prepared, item: Planned, body: dict[str, Any],
                       target: Scope) -> tuple[Request, Frame | None]: ...

    def run(self, request: Request, outer: Frame | None = None, correlation: str | None = None,
            top: bool = True) -> Outcome: ...


@dataclass
class Result:
    status: int
    body: dict[str, Any]
    error: WireError | None
    leaves: list[str]


class Execution:
    def __init__(self, engine: Runner, prepared: Prepared, outcome: Outcome) -> None:
        self.engine = engine
        self.prepared = prepared
        self.outcome = outcome
        self.providers: dict[str, dict[str, set[str | None]]] = {}

    def run(self) -> list[WireError]:
        """Deploy every resource whose dependencies succeeded; the errors of those that failed."""
        failed: set[int] = set()
        failures: list[WireError] = []
        for item in self.prepared.plan.order():
            if any(dep in failed for dep in item.depends):
                failed.add(item.key)
                continue
            if item.existing or item.condition is False:
                continue
            error = self._deploy(item)
            if error is not None:
                failed.add(item.key)
                failures.append(error)
        self._summaries()
        return failures

    def _condition(self, item: Planned) -> bool:
        if not isinstance(item.condition, Unknown):
            return bool(item.condition)
        value = resolve(item.decl.get("condition"), self.engine.frame_of(self.prepared, item))
        return value is not False

    def _deploy(self, item: Planned) -> WireError | None:
        clock = self.engine.clock
        started = clock.now()
        try:
            if not self._condition(item):
                return None
            result = self._write(item)
        except ExpressionError as exc:
            result = Result(400, {}, self._expression_error(item, exc), [])
        except ServiceError as exc:
            result = Result(exc.status, {}, as_wire(exc), [])
        target = str(item.id if isinstance(item.id, str) else item.label)
        self.outcome.operations.append(OperationRecord(
            self.engine.ids.hex(8).upper(), "Create", "Failed" if result.error else "Succeeded", result.status,
            clock.now(), clock.now() - started, self.engine.ids.guid(),
            {"id": str(result.body.get("id") or target), "resourceType": item.type, "resourceName": item.label},
            result.error))
        if result.error is None:
            self.outcome.output_resources.extend(result.leaves)
            location = result.body.get("location")
            namespace, _, kind = item.type.partition("/")
            self.providers.setdefault(namespace, {}).setdefault(kind, set()).add(
                location if isinstance(location, str) else None)
        return result.error

    def _write(self, item: Planned) -> Result:
        body = self.engine.body(self.prepared, item)
        backend = self.engine.backend
        if isinstance(item.id, Unknown) or (has_unknown(body) and self.engine.mode is not Mode.WHATIF):
            where = self.prepared.request.template.where(item.path)
            if isinstance(item.id, Unknown) and backend.unidentified(item.id.text, where):
                return Result(200, {}, None, [])  # a what-if reports it; nothing is written
            raise ExpressionError(errors.ARG_VALUE, name="reference", reason="a value needed to write the "
                                  "resource could not be computed.")
        if item.is_deployment:
            return self._nested(item, body)
        status, written = backend.write(item.id, body, item.api_version)
        return Result(status, written, None, [str(written.get("id") or item.id)])

    def _nested(self, item: Planned, body: dict[str, Any]) -> Result:
        engine = self.engine
        target = engine.backend.begin_deployment(item.target, str(item.name))
        request, outer = engine.nested_request(self.prepared, item, body, target)
        nested = engine.run(request, outer, self.outcome.correlation_id, top=False)
        result = nested.body()
        if nested.state == "Failed":
            wire = WireError(errors.NESTED_FAILED.code, errors.NESTED_FAILED.message, nested.id,
                             [nested.error] if nested.error else [])
            return Result(409, result, wire, [])
        return Result(201, result, None, nested.output_resources)

    def _expression_error(self, item: Planned, exc: ExpressionError) -> WireError:
        where = self.prepared.request.template.where(item.path)
        return WireError(errors.RUNTIME_EXPRESSION.code, errors.RUNTIME_EXPRESSION.render({
            "id": item.id if isinstance(item.id, str) else item.label, "line": where.line, "column": where.column,
            "inner": exc.message}))

    def _summaries(self) -> None:
        self.outcome.providers = [
            {"namespace": ns, "resourceTypes": [{"resourceType": kind, "locations": sorted(
                locs, key=lambda x: x or "")} for kind, locs in sorted(kinds.items())]}
            for ns, kinds in sorted(self.providers.items())]
        by_key = {r.key: r for r in self.prepared.plan.resources}
        self.outcome.dependencies = [
            {"dependsOn": [_ref(by_key[d]) for d in item.depends], **_ref(item)}
            for item in self.prepared.plan.resources if item.depends and not item.existing]


def _ref(item: Planned) -> dict[str, Any]:
    rid = item.id if isinstance(item.id, str) else item.label
    return {"id": rid, "resourceType": item.type, "resourceName": split_id(rid)[2] if isinstance(item.id, str)
            else item.label}
