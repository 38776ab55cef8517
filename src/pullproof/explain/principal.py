"""``pullproof explain principal``: can this principal pull from this repository, and why (not)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pullproof.core.reasons import Reason
from pullproof.core.trace import TraceEntry
from pullproof.explain.chain import rbac_steps
from pullproof.explain.codes import by_code
from pullproof.explain.conditions import condition_finding, excluded_by_condition
from pullproof.explain.findings import Finding
from pullproof.explain.fixes import grant_pull
from pullproof.registry.scope import DATA_ACTIONS, PULL_READ

if TYPE_CHECKING:
    from pullproof.explain.state import ToolState


def resolve_principal(state: ToolState, key: str) -> str | None:
    """An object id, an app (client) id, or a managed identity's resource id → object id."""
    found = state.service_principal(object_id=key) or state.service_principal(app_id=key)
    if found is None and key.startswith("/subscriptions/"):
        found = state.managed_identity(key)
    return found.object_id if found else None


def explain_principal(state: ToolState, principal: str, registry: str, repository: str) -> Finding:
    info = state.registry(registry if "." in registry else f"{registry}.azurecr.io")
    if info is None:
        raise ValueError(f"registry {registry} not found")
    object_id = resolve_principal(state, principal)
    if object_id is None:
        raise ValueError(f"principal {principal} not found in the directory")
    decision = state.registry_decision(info, object_id, "pull", repository)
    entry = TraceEntry(0, state.now(), "registry", object_id, PULL_READ, info.resource_id, decision)
    chain = tuple(rbac_steps([entry]))
    subject = f"principal {principal} on {info.login_server}/{repository}"
    if decision.allowed:
        return Finding(by_code("PULL_OK"), subject, f"{principal} may pull {repository}.", chain,
                       facts={"decision": decision.to_dict()})
    if decision.reason is Reason.LEGACY_ROLE_IGNORED:
        return Finding(by_code("REGISTRY_IGNORES_ACRPULL"), subject, "The registry ignores the principal's "
                       f"{decision.evidence.get('ignored_role')} role (repository-permission mode).", chain,
                       grant_pull("Grant a Container Registry Repository role.", info.resource_id, object_id,
                                  role="Container Registry Repository Reader"), {"decision": decision.to_dict()})
    data = state.evaluate(object_id, DATA_ACTIONS["pull"][0], info.resource_id, data_action=True,
                                       attributes={"repository": repository})
    if not data.allowed and excluded_by_condition(data.evidence):
        return condition_finding(subject, chain, {"decision": decision.to_dict()}, info.resource_id,
                                 object_id, f"Principal {principal}", data.evidence)
    if decision.reason is Reason.ASSIGNMENT_NOT_PROPAGATED:
        return Finding(by_code("ROLE_NOT_PROPAGATED"), subject, "The role assignment has not taken effect yet.",
                       chain, None, {"decision": decision.to_dict()})
    return Finding(by_code("PRINCIPAL_NO_PULL_ROLE"), subject, f"{principal} has no role that allows pulling "
                   f"from {info.name}.", chain, grant_pull("Grant AcrPull on the registry.", info.resource_id,
                                                            object_id), {"decision": decision.to_dict()})
