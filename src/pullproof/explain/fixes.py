"""Fixes as a person applies them: the exact az command, a Bicep module like the seed's
``aks-acr-role.bicep`` (with its deterministic ``guid()`` name), and a Terraform resource."""

from __future__ import annotations

from pullproof.explain.findings import Fix
from pullproof.iac.names import arm_guid
from pullproof.rbac.builtin import ACR_PULL, REPOSITORY_READER
from pullproof.rbac.conditions import REPOSITORY_ATTRIBUTE

READ = "Microsoft.ContainerRegistry/registries/repositories/content/read"
META = "Microsoft.ContainerRegistry/registries/repositories/metadata/read"
ROLE_GUIDS = {"AcrPull": ACR_PULL, "Container Registry Repository Reader": REPOSITORY_READER}

BICEP = """@description('Principal ID of the identity that pulls images')
param {param} string

@description('ACR resource name')
param acrName string = '{acr}'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {{
  name: acrName
}}

// {comment}
resource {symbol} 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  name: guid(acr.id, {param}, '{role_key}')   // = {name} for this registry and principal
  scope: acr
  properties: {{
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role_guid}') // {role}
    principalId: {param}
    principalType: 'ServicePrincipal'
  }}
}}

output roleAssignmentId string = {symbol}.id
"""

TERRAFORM = """resource "azurerm_role_assignment" "{symbol}" {{
  scope                            = "{scope}"
  role_definition_name             = "{role}"
  principal_id                     = "{principal}"
  skip_service_principal_aad_check = true
}}
"""


def grant_pull(summary: str, registry_id: str, principal_id: str, role: str = "AcrPull",
               extra_az: str | None = None) -> Fix:
    """Grant ``role`` on the registry to the principal that pulls."""
    acr = registry_id.rstrip("/").rsplit("/", 1)[-1]
    role_key = "AcrPull" if role == "AcrPull" else role.replace(" ", "")
    name = arm_guid(registry_id, principal_id, role_key)
    shown = f'"{role}"' if " " in role else role
    az = (f"az role assignment create --assignee-object-id {principal_id} --assignee-principal-type "
          f"ServicePrincipal --role {shown} --scope {registry_id}")
    if extra_az:
        az = f"{az}\n# or: {extra_az}"
    bicep = BICEP.format(param="kubeletIdentityPrincipalId", acr=acr, comment=f"{role} for the identity that pulls",
                         symbol="aksAcrPull", role_key=role_key, name=name, role_guid=ROLE_GUIDS.get(role, ""),
                         role=role)
    terraform = TERRAFORM.format(symbol="aks_acr_pull", scope=registry_id, role=role, principal=principal_id)
    return Fix(summary, az, bicep, terraform)


def repository_condition(repository: str) -> str:
    """ACR's documented condition for a Repository Reader limited to one repository."""
    return (f"((!(ActionMatches{{'{READ}'}}) AND !(ActionMatches{{'{META}'}})) OR "
            f"(@Request[{REPOSITORY_ATTRIBUTE}] StringEqualsIgnoreCase '{repository}'))")


def grant_repository(summary: str, registry_id: str, principal_id: str, repository: str) -> Fix:
    """A second Container Registry Repository Reader assignment, with a condition for ``repository``
    (its own name, so it does not replace the assignment that covers the other repositories)."""
    role = "Container Registry Repository Reader"
    plain = grant_pull(summary, registry_id, principal_id, role)
    condition = repository_condition(repository)
    key = role.replace(" ", "")
    name = arm_guid(registry_id, principal_id, key)
    own = arm_guid(registry_id, principal_id, f"{key}-{repository}")
    # a here-document: the condition holds quotes and '!', which an interactive shell would expand
    az = (f"read -r -d '' CONDITION <<'EOF'\n{condition}\nEOF\n"
          f'{plain.az} --condition "$CONDITION" --condition-version 2.0')
    bicep = (plain.bicep or "").replace(f"'{key}')   // = {name}", f"'{key}-{repository}')   // = {own}").replace(
        "    principalType: 'ServicePrincipal'\n",
        "    principalType: 'ServicePrincipal'\n    condition: '" + condition.replace("'", "\\'") + "'\n"
        "    conditionVersion: '2.0'\n")
    terraform = (plain.terraform or "").replace(
        "  skip_service_principal_aad_check = true\n",
        f'  skip_service_principal_aad_check = true\n  condition                        = "{condition}"\n'
        '  condition_version                = "2.0"\n')
    return Fix(summary, az, bicep, terraform)
