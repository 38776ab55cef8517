"""``pullproof explain manifest``: manifests that a current cluster refuses before any pull happens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pullproof.explain.codes import by_code
from pullproof.explain.findings import Finding, Fix, Step

REMOVED = {("apps/v1beta1", "Deployment"), ("apps/v1beta2", "Deployment"), ("extensions/v1beta1", "Deployment"),
           ("extensions/v1beta1", "ReplicaSet"), ("apps/v1beta2", "ReplicaSet"), ("extensions/v1beta1", "DaemonSet"),
           ("apps/v1beta1", "StatefulSet"), ("apps/v1beta2", "StatefulSet")}


def _fixed(doc: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(doc)
    fixed["apiVersion"] = "apps/v1"
    spec = dict(fixed.get("spec") or {})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    spec.setdefault("selector", {"matchLabels": labels})
    fixed["spec"] = spec
    return fixed


def explain_manifest(path: Path) -> list[Finding]:
    findings = []
    for index, doc in enumerate(d for d in yaml.safe_load_all(path.read_text("utf-8")) if isinstance(d, dict)):
        api, kind = doc.get("apiVersion"), doc.get("kind")
        name = (doc.get("metadata") or {}).get("name", f"document {index + 1}")
        if (api, kind) not in REMOVED:
            continue
        message = (f'resource mapping not found for name: "{name}" namespace: "" from "{path.name}": no matches '
                   f'for kind "{kind}" in version "{api}"')
        chain = (Step("kubectl apply", "fail", message), Step("API server", "info",
                 f"{api} {kind} was removed in Kubernetes 1.16; the cluster serves apps/v1"))
        fix = Fix(f"Use apps/v1 (with spec.selector) for {kind} {name}.",
                  f"kubectl apply -f {path.name}   # after this change:\n" + yaml.safe_dump(_fixed(doc),
                                                                                          sort_keys=False))
        findings.append(Finding(by_code("REMOVED_API_VERSION"), f"{kind} {name} in {path.name}",
                                f"{kind} {name} uses {api}, which the cluster no longer serves.", chain, fix,
                                {"apiVersion": api, "kind": kind}))
    return findings
