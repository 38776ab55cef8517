"""Helpers for lint tests: minimal Bicep with a registry, a cluster and (optionally) a role
assignment, manifests, and the CLI through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from pullproof.cli.main import app
from pullproof.lint.engine import Options, lint
from pullproof.lint.model import Report
from pullproof.tools import lint_world

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GUESTBOOK = Path(__file__).resolve().parent / "fixtures" / "guestbook"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
KUBELET = "aks.properties.identityProfile.kubeletidentity.objectId"
IMAGE = "acrwizdev.azurecr.io/guestbook:8edd399546e2808cc356e1fd28af9f4fbdaf2d3d"
SEED_401 = ("failed to authorize: failed to fetch anonymous token: unexpected status from GET request to "
            "https://acrwizdev.azurecr.io/oauth2/token?scope=repository%3Aguestbook%3Apull&"
            "service=acrwizdev.azurecr.io: 401 Unauthorized")

REGISTRY = """
resource {symbol} 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{
  name: '{name}'
  location: location
  sku: {{
    name: 'Standard'
  }}
  properties: {{
{properties}  }}
}}
"""

CLUSTER = """
resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {{
  name: 'aks-lint'
  location: location
{identity}  properties: {{
    dnsPrefix: 'aks-lint'
{profile}    agentPoolProfiles: [
      {{
        name: 'system'
        count: 1
        vmSize: 'Standard_B2s'
        osType: 'Linux'
        mode: 'System'
      }}
    ]
  }}
}}
"""

ASSIGNMENT = """
resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  name: guid({scope}.id, 'kubelet', '{role}')
  scope: {scope}
  properties: {{
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}')
    principalId: {principal}
{principal_type}  }}
}}
"""


def bicep(registry: dict[str, Any] | None = None, assignment: dict[str, Any] | None = None,
          second_registry: bool = False, service_principal: bool = False) -> str:
    """A group-scope template: registry acrlintone (and acrlinttwo), cluster aks-lint, and a role assignment."""
    props = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in (registry or {}).items())
    text = "param location string = resourceGroup().location\n"
    text += REGISTRY.format(symbol="acr", name="acrlintone", properties=props)
    if second_registry:
        text += REGISTRY.format(symbol="acr2", name="acrlinttwo", properties="")
    if service_principal:
        text += "param clientId string = '00000000-0000-0000-0000-0000000000aa'\n@secure()\nparam secret string = 'x'\n"
        text += CLUSTER.format(identity="", profile="    servicePrincipalProfile: {\n      clientId: clientId\n"
                               "      secret: secret\n    }\n")
    else:
        text += CLUSTER.format(identity="  identity: {\n    type: 'SystemAssigned'\n  }\n", profile="")
    if assignment is not None:
        typed = "    principalType: 'ServicePrincipal'\n" if assignment.get("typed", True) else ""
        text += ASSIGNMENT.format(scope=assignment.get("scope", "acr"), role=assignment.get("role", ACR_PULL),
                                  principal=assignment.get("principal", KUBELET), principal_type=typed)
    return text


def deployment(image: str, name: str = "app", api: str = "apps/v1") -> str:
    return f"""apiVersion: {api}
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: {name}
          image: {image}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def run_lint(*paths: Path, preflight: bool = False, **params: str) -> Report:
    return lint(list(paths), lint_world, Options(dict(params), None, preflight))


def ids(report: Report) -> list[str]:
    return [f.rule_id for f in report.findings]


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["lint", *[str(a) for a in args]], catch_exceptions=False,
                              env={"COLUMNS": "200", "NO_COLOR": "1"})
