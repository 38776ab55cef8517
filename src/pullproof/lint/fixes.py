"""The fix for a missing AcrPull, as the seed applied it: ``aks-acr-role.bicep`` (the module of
``pullproof.explain.fixes.BICEP``) next to the AKS module, and the ``module aksAcrRole …`` block for
the entry file, wired to the AKS module's kubelet-identity output and the ACR module's name output."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pullproof.aks.provider import CLUSTER_TYPE
from pullproof.arm.models import ROLE_ASSIGNMENT_TYPE
from pullproof.explain.fixes import BICEP, ROLE_GUIDS
from pullproof.lint.inputs import TemplateInput
from pullproof.lint.model import LintFix
from pullproof.lint.sources import ModuleRef, module_refs, outputs
from pullproof.registry.scope import REGISTRY_TYPE

CLUSTER = CLUSTER_TYPE
REGISTRY = REGISTRY_TYPE
KUBELET = "properties.identityProfile.kubeletidentity.objectId"
NAME_MARK = "<name>"

SNIPPET = """// AcrPull for the AKS kubelet identity (the identity that pulls images)
module aksAcrRole '{path}' = {{{scope}
  name: {name}
  params: {{
    kubeletIdentityPrincipalId: {kubelet}
    acrName: {acr}
  }}
}}
"""



@dataclass(frozen=True)
class Target:
    cluster: str
    group: str
    acr: str


def json_resource(acr: str, aks: str) -> str:
    """The role assignment as an ARM JSON resource, for JSON templates."""
    cluster = f"resourceId('{CLUSTER}', '{aks}')"
    kubelet = f"reference({cluster}, '2024-02-01').identityProfile.kubeletidentity.objectId"
    return json.dumps({
        "type": ROLE_ASSIGNMENT_TYPE, "apiVersion": "2022-04-01",
        "scope": f"[format('{REGISTRY}/{{0}}', '{acr}')]",
        "name": f"[guid(resourceId('{REGISTRY}', '{acr}'), {kubelet}, 'AcrPull')]",
        "dependsOn": [f"[{cluster}]"],
        "properties": {"roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                           f"'{ROLE_GUIDS['AcrPull']}')]",
                       "principalId": f"[{kubelet}]", "principalType": "ServicePrincipal"}}, indent=2) + "\n"


def az_commands(target: Target) -> str:
    return (f"az aks update -n {target.cluster} -g {target.group} --attach-acr {target.acr}\n"
            f"# or: az role assignment create --assignee-object-id $(az aks show -g {target.group} "
            f"-n {target.cluster} --query identityProfile.kubeletidentity.objectId -o tsv) "
            f"--assignee-principal-type ServicePrincipal --role AcrPull "
            f"--scope $(az acr show -n {target.acr} --query id -o tsv)")


def module_text(acr: str) -> str:
    text = BICEP.format(param="kubeletIdentityPrincipalId", acr=acr, symbol="aksAcrPull", role_key="AcrPull",
                        comment="AcrPull for the AKS kubelet identity (the identity that pulls images)",
                        name=NAME_MARK, role_guid=ROLE_GUIDS["AcrPull"], role="AcrPull")
    return text.replace(f"   // = {NAME_MARK} for this registry and principal", "")


def _declares(path: Path, rtype: str) -> bool:
    text = path.read_text("utf-8-sig") if path.is_file() else ""
    return re.search(rf"^\s*resource\s+\w+\s+'{re.escape(rtype)}@[^']*'\s*=", text, re.M | re.I) is not None


def _output(path: Path, predicate: str, suffix: bool) -> str | None:
    for name, expr in outputs(path).items():
        if (expr.endswith(predicate) if suffix else re.fullmatch(rf"\w+\.{predicate}", expr)):
            return name
    return None


def _module_with(refs: list[ModuleRef], rtype: str) -> ModuleRef | None:
    return next((r for r in refs if _declares(r.target, rtype)), None)


def _line(block: str, key: str) -> str | None:
    match = re.search(rf"^\s*{key}:\s*(.+?)\s*$", block, re.M)
    return match.group(1) if match else None


def _snippet(entry: TemplateInput, module_path: Path, acr: str) -> str:
    refs = module_refs(entry.path)
    aks_mod, acr_mod = _module_with(refs, CLUSTER), _module_with(refs, REGISTRY)
    here = entry.sources.find(CLUSTER)
    kubelet = f"<aks>.outputs.<kubelet objectId output: add 'output kubeletIdentity string = aks.{KUBELET}'>"
    scope, name = "", "'aks-acr-role'"
    if aks_mod is not None:
        out = _output(aks_mod.target, "identityProfile.kubeletidentity.objectId", suffix=True)
        kubelet = f"{aks_mod.symbol}.outputs.{out}" if out else kubelet.replace("<aks>", aks_mod.symbol)
        scope = f"\n  scope: {_line(aks_mod.block, 'scope')}" if _line(aks_mod.block, "scope") else ""
        stamp = re.findall(r"\$\{(\w+)\}", _line(aks_mod.block, "name") or "")
        name = f"'aks-acr-role-${{{stamp[-1]}}}'" if stamp else name
    elif here is not None and here.path.resolve() == entry.path.resolve():
        kubelet = f"{here.symbol}.{KUBELET}"
    acr_expr = f"'{acr}'"
    if acr_mod is not None:
        out = _output(acr_mod.target, "name", suffix=False)
        acr_expr = f"{acr_mod.symbol}.outputs.{out}" if out else acr_expr
    else:
        declared = entry.sources.find(REGISTRY, acr)
        if declared is not None and declared.path.resolve() == entry.path.resolve():
            acr_expr = f"{declared.symbol}.name"
    rel = Path(os.path.relpath(module_path, entry.path.parent)).as_posix()
    return SNIPPET.format(path=rel, scope=scope, name=name, kubelet=kubelet, acr=acr_expr)


def acrpull_fix(entry: TemplateInput | None, target: Target, summary: str) -> LintFix:
    """Text, az commands, the module file and the block that wires it into the entry file."""
    az = az_commands(target)
    if entry is None:
        return LintFix(summary, az, module_text(target.acr), "aks-acr-role.bicep")
    if entry.path.suffix == ".json":
        return LintFix(summary, az, module_text(target.acr), "aks-acr-role.bicep",
                       json_resource(target.acr, target.cluster),
                       f"{entry.path.name} (resources)")
    cluster = entry.sources.find(CLUSTER)
    inline = cluster is None or cluster.path.resolve() == entry.path.resolve()
    folder = entry.path.parent / "modules" if inline or cluster is None else cluster.path.parent
    module_path = folder / "aks-acr-role.bicep"
    return LintFix(summary, az, module_text(target.acr), Path(os.path.relpath(module_path)).as_posix(),
                   _snippet(entry, module_path, target.acr), Path(os.path.relpath(entry.path)).as_posix())
