"""The deployment of every entry template into the lint run's throw-away pullproof (``world.World``), as
the operator (Owner of the subscription). A failing deployment is a PP100 finding with ARM's error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.aks.provider import CLUSTER_TYPE
from pullproof.core.errors import ServiceError
from pullproof.iac.requests import typed_parameters
from pullproof.lint.inputs import TemplateInput
from pullproof.lint.model import LintFinding, LintFix, Location
from pullproof.lint.world import World
from pullproof.registry.scope import REGISTRY_TYPE

LINT_GROUP = "rg-lint"
DEFAULT_LOCATION = "eastus"
WATCHED = (CLUSTER_TYPE, REGISTRY_TYPE)


@dataclass
class Deployed:
    entry: TemplateInput
    resources: list[str] = field(default_factory=list)  # ids of the clusters and registries it created (lower)
    succeeded: bool = False


class Sandbox:
    """The deployments of one lint run into its world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.sub = world.state.subscription_id

    def _ids(self) -> set[str]:
        return {r.id.lower() for t in WATCHED for r in self.world.state.resources(t)}

    def deploy(self, entry: TemplateInput, name: str, params: dict[str, str], location: str | None,
               findings: list[LintFinding]) -> Deployed:
        declared = {k.lower() for k in (entry.template.get("parameters") or {})}
        values = typed_parameters(entry.template, {k: v for k, v in params.items() if k.lower() in declared})
        where = location or default_location(entry.template)
        scope = f"/subscriptions/{self.sub}"
        if entry.scope == "group":
            self.world.put_group(self.sub, LINT_GROUP, {"location": where})
            scope += f"/resourceGroups/{LINT_GROUP}"
        before = self._ids()
        deployed = Deployed(entry)
        try:
            result = self.world.deploy(scope, name, entry.text or entry.template, values,
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
