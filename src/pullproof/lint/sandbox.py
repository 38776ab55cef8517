"""The throw-away pullproof a lint run deploys into: an in-process emulator on a manual clock in a
temporary data dir, and the deployment of every entry template as the operator (Owner of the
subscription). A failing deployment is a PP100 finding with ARM's error."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pullproof.aks.provider import CLUSTER_TYPE
from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.core.errors import ServiceError
from pullproof.iac import deploy_template, operator_caller
from pullproof.iac.requests import typed_parameters
from pullproof.lint.inputs import TemplateInput
from pullproof.lint.model import LintFinding, LintFix, Location
from pullproof.registry.scope import REGISTRY_TYPE
from pullproof.settings import Settings

LINT_GROUP = "rg-lint"
DEFAULT_LOCATION = "eastus"
WATCHED = (CLUSTER_TYPE, REGISTRY_TYPE)


@dataclass
class Deployed:
    entry: TemplateInput
    resources: list[str] = field(default_factory=list)  # ids of the clusters and registries it created (lower)
    succeeded: bool = False


class Sandbox:
    """An emulator that lives as long as the lint run."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="pullproof-lint-")
        self.clock = ManualClock()
        self.emulator = Emulator(Settings(data_dir=Path(self._tmp.name), propagation_delay=0.0),
                                 Endpoints("https://127.0.0.1:1", "http://127.0.0.1:2"), clock=self.clock)
        self.caller = operator_caller(self.emulator)
        self.sub = self.emulator.operator.subscription_id

    def close(self) -> None:
        self.emulator.close()
        self._tmp.cleanup()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ids(self) -> set[str]:
        return {r.id.lower() for t in WATCHED for r in self.emulator.arm_store.by_type(t)}

    def deploy(self, entry: TemplateInput, name: str, params: dict[str, str], location: str | None,
               findings: list[LintFinding]) -> Deployed:
        declared = {k.lower() for k in (entry.template.get("parameters") or {})}
        values = typed_parameters(entry.template, {k: v for k, v in params.items() if k.lower() in declared})
        where = location or default_location(entry.template)
        scope = f"/subscriptions/{self.sub}"
        if entry.scope == "group":
            self.emulator.arm.put_group(self.caller, self.sub, LINT_GROUP, {"location": where})
            scope += f"/resourceGroups/{LINT_GROUP}"
        before = self._ids()
        deployed = Deployed(entry)
        try:
            result = deploy_template(self.emulator, self.caller, scope, name, entry.text or entry.template, values,
                                     where if entry.scope == "subscription" else None)
        except ServiceError as exc:
            findings.append(failure(entry, exc.code.code, exc.message, getattr(exc, "params", {})))
            return deployed
        finally:
            deployed.resources = sorted(self._ids() - before)
        props = result.get("properties") or {}
        if props.get("provisioningState") != "Succeeded":
            error = props.get("error") or {}
            code, message = innermost(error)
            findings.append(failure(entry, code, message, {}))
            return deployed
        deployed.succeeded = True
        return deployed


def default_location(template: dict[str, Any]) -> str:
    declared = (template.get("parameters") or {}).get("location") or {}
    value = declared.get("defaultValue") if isinstance(declared, dict) else None
    return value if isinstance(value, str) and value and not value.startswith("[") else DEFAULT_LOCATION


def innermost(error: dict[str, Any]) -> tuple[str, str]:
    """The most specific ARM error: the first leaf of ``details``."""
    while error.get("details"):
        error = error["details"][0]
    return str(error.get("code", "DeploymentFailed")), str(error.get("message", ""))


def failure(entry: TemplateInput, code: str, message: str, params: dict[str, Any]) -> LintFinding:
    line = int(params.get("line") or 1) if entry.text else 1
    return LintFinding("PP100", f"Deploying {entry.path.name} fails: ({code}) {message}",
                       Location(entry.path, max(line, 1), max(int(params.get("column") or 1), 1)),
                       LintFix(f"Correct the template as the ARM error says ({code})."), {"code": code})
