"""What an expression sees while it is evaluated: the deployment's scope, its parameters and
variables, the copy-loop indexes, where in the template it is (``Phase``), and the ``Runtime``
that answers ``reference()``/``list*()`` and the scope functions."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pullproof.arm.models import DEPLOYMENT_TYPE
from pullproof.iac.limits import Budget


@dataclass(frozen=True)
class Scope:
    """A deployment scope: a subscription, optionally a resource group in it."""

    tenant: str
    subscription: str | None = None
    group: str | None = None

    @property
    def id(self) -> str:
        if self.subscription is None:
            return "/"
        base = f"/subscriptions/{self.subscription}"
        return f"{base}/resourceGroups/{self.group}" if self.group is not None else base

    @property
    def kind(self) -> str:
        if self.group is not None:
            return "resourceGroup"
        return "subscription" if self.subscription is not None else "tenant"

    def deployment_id(self, name: str) -> str:
        prefix = "" if self.id == "/" else self.id
        return f"{prefix}/providers/{DEPLOYMENT_TYPE}/{name}"


class Phase(enum.Enum):
    """Where the expression is; decides which functions are allowed."""

    PARAMETER = "parameter default"
    VARIABLE = "variable"
    PLAN = "resource declaration"
    BODY = "resource body"
    OUTPUT = "output"
    FUNCTION = "user-defined function"


class Runtime(Protocol):
    """Answers the functions that look at the world outside the template."""

    def reference(self, frame: Frame, target: str, api_version: str | None, full: bool) -> Any:
        """``reference()``: the properties (or the full body) of a resource or a deployment."""
        ...

    def invoke_list(self, frame: Frame, action: str, resource_id: str, api_version: str, payload: Any) -> Any:
        """``listKeys()``, ``listCredentials()``…: a POST action on a resource."""
        ...

    def resource_group(self, scope: Scope) -> Any:
        """``resourceGroup()`` for the scope's group."""
        ...

    def subscription(self, subscription: str) -> dict[str, Any]:
        """``subscription()``."""
        ...

    def tenant(self) -> dict[str, Any]:
        """``tenant()``."""
        ...

    def now(self) -> float:
        """The deployment's ``utcNow()`` instant."""
        ...

    def new_guid(self) -> str:
        """A ``newGuid()`` value."""
        ...


class VariableSource(Protocol):
    def get(self, name: str) -> Any:
        """The evaluated variable (raises ``VARIABLE_NOT_FOUND``)."""
        ...


@dataclass(frozen=True)
class DeploymentInfo:
    """What ``deployment()`` returns about the running deployment."""

    name: str
    location: str | None
    template: dict[str, Any]
    parameters: dict[str, Any]
    template_hash: str
    mode: str = "Incremental"

    def value(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "properties": {
            "template": self.template, "templateHash": self.template_hash, "parameters": self.parameters,
            "mode": self.mode, "provisioningState": "Accepted"}}
        if self.location is not None:
            body["location"] = self.location
        return body


@dataclass(frozen=True)
class Lambda:
    """A ``lambda('x', …, body)`` value; ``apply`` evaluates the body with the arguments bound."""

    names: tuple[str, ...]
    apply: Callable[[list[Any]], Any]


@dataclass(frozen=True)
class Frame:
    """Everything an expression sees; ``budget`` is the deployment's evaluation account (shared by every
    frame derived from this one)."""

    scope: Scope
    deployment: DeploymentInfo
    runtime: Runtime
    phase: Phase
    params: dict[str, Any] = field(default_factory=dict)
    variables: VariableSource | None = None
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    symbols: dict[str, str] = field(default_factory=dict)
    copy: tuple[tuple[str, int], ...] = ()
    lambdas: tuple[tuple[str, Any], ...] = ()
    budget: Budget = field(default_factory=Budget)

    def at(self, phase: Phase) -> Frame:
        return replace(self, phase=phase)

    def with_copy(self, name: str, index: int, current: bool = True) -> Frame:
        """Inside copy loop ``name`` at ``index``; ``current`` makes it the one ``copyIndex()`` means."""
        entries = [(name.lower(), index), *((("", index),) if current else ())]
        return replace(self, copy=(*entries, *self.copy))

    def copy_index(self, name: str | None) -> int | None:
        key = (name or "").lower()
        return next((index for loop, index in self.copy if loop == key), None)

    def with_lambda(self, names: tuple[str, ...], values: list[Any]) -> Frame:
        return replace(self, lambdas=(*zip(names, values, strict=False), *self.lambdas))

    def param(self, name: str) -> tuple[bool, Any]:
        key = name.lower()
        return (key in self.params), self.params.get(key)
