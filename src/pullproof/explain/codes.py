"""Finding codes: stable ids, their category, the exit code ``pullproof explain`` returns for them,
and the why. Data, rendered into docs/findings.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FindingCode:
    code: str
    category: str
    exit_code: int
    title: str
    why: str


CODES: tuple[FindingCode, ...] = (
    FindingCode("PULL_OK", "ok", 0, "The image was pulled",
                "The last pull of this image succeeded."),
    FindingCode("KUBELET_IDENTITY_NO_ACRPULL", "identity-role", 10,
                "The kubelet identity has no pull role on the registry",
                "Nodes authenticate to ACR with the cluster's kubelet identity (not the control-plane identity). "
                "Without AcrPull (or a role with registries/pull/read) at the registry or above, the token "
                "exchange is refused and containerd falls back to an anonymous token request, which ACR answers "
                "with 401."),
    FindingCode("SERVICE_PRINCIPAL_NO_ACRPULL", "identity-role", 10,
                "The cluster's service principal has no pull role on the registry",
                "A service-principal cluster hands its client id and secret to containerd as registry "
                "credentials; ACR refuses the token unless the principal has AcrPull on the registry."),
    FindingCode("PRINCIPAL_NO_PULL_ROLE", "identity-role", 10,
                "The principal has no pull role on the registry",
                "Pulling needs AcrPull (or another role with registries/pull/read, or a Container Registry "
                "Repository role in repository-permission mode) at the registry or above."),
    FindingCode("ACRPULL_ON_CONTROL_PLANE_IDENTITY", "wrong-identity", 11,
                "AcrPull was granted to the control-plane identity, not to the kubelet identity",
                "The control-plane identity manages Azure resources for the cluster; image pulls use the "
                "kubelet identity (<cluster>-agentpool or the one given with --assign-kubelet-identity)."),
    FindingCode("ACRPULL_ON_OTHER_REGISTRY", "wrong-scope", 11,
                "AcrPull was granted at the scope of another registry",
                "A role assignment applies at its scope and below; AcrPull on one registry grants nothing on "
                "another."),
    FindingCode("REPOSITORY_NOT_IN_ROLE_CONDITION", "wrong-scope", 11,
                "The role's condition does not cover this repository",
                "A Container Registry Repository role with an ABAC condition grants only the repositories the "
                "condition names: the token exchange succeeds, but ACR refuses a token for any other repository "
                "(401 at /oauth2/token)."),
    FindingCode("ROLE_NOT_PROPAGATED", "propagation", 12,
                "The role assignment exists but has not taken effect yet",
                "New role assignments take a while to propagate; pulls keep failing until they do, and the "
                "kubelet's back-off delays the retry further."),
    FindingCode("SERVICE_PRINCIPAL_SECRET_EXPIRED", "expired-credential", 13,
                "The cluster's service principal secret has expired",
                "Service-principal clusters stop pulling when the secret expires (AADSTS7000222); managed "
                "identities rotate their credentials themselves."),
    FindingCode("KUBELET_STILL_ON_SERVICE_PRINCIPAL", "migration", 14,
                "The cluster moved to managed identity but the nodes still use the service principal",
                "After 'az aks update --enable-managed-identity' the kubelet keeps the service principal until "
                "'az aks nodepool upgrade --node-image-only'."),
    FindingCode("KUBELET_IDENTITY_REPLACED", "migration", 14,
                "The node image upgrade switched the nodes to a new kubelet identity without AcrPull",
                "The migration created a new kubelet identity; the registry access granted to the service "
                "principal (or by an earlier --attach-acr) does not carry over. Re-run --attach-acr."),
    FindingCode("REGISTRY_IGNORES_ACRPULL", "registry-mode", 15,
                "The registry uses repository permissions (ABAC): AcrPull is ignored",
                "In 'RBAC Registry + ABAC Repository Permissions' mode only the Container Registry Repository "
                "roles grant data access; AcrPull/AcrPush/AcrDelete and Owner/Contributor/Reader do not."),
    FindingCode("PULL_SECRET_WRONG_PASSWORD", "pull-secret", 20,
                "The image pull secret's password is wrong",
                "The pod's imagePullSecret names the registry but its credentials are refused; the kubelet tries "
                "it before the node's own identity."),
    FindingCode("PULL_SECRET_WRONG_SERVER", "pull-secret", 20,
                "The image pull secret is for another server",
                "The kubelet uses a pull secret only if its server key matches the image's registry host "
                "exactly (labels, port); otherwise the secret is ignored."),
    FindingCode("PULL_SECRET_OTHER_NAMESPACE", "pull-secret", 20,
                "The image pull secret is in another namespace",
                "Pods can only use secrets in their own namespace; the kubelet reports the secret as missing."),
    FindingCode("PULL_SECRET_MISSING", "pull-secret", 20,
                "The image pull secret does not exist",
                "The pod names an imagePullSecret that is not in its namespace."),
    FindingCode("ANONYMOUS_PULL_DISABLED", "anonymous", 21,
                "No credentials reached the registry and anonymous pull is off",
                "Without a pull secret or a node identity for this registry, containerd asks for an anonymous "
                "token; ACR refuses it unless anonymous pull is enabled (Standard and Premium only)."),
    FindingCode("IMAGE_NOT_FOUND", "not-found", 30,
                "The image or tag does not exist (not an authorization problem)",
                "Authentication succeeded; the registry has no such repository or tag."),
    FindingCode("REMOVED_API_VERSION", "manifest", 31,
                "The manifest uses an API version the cluster no longer serves",
                "apps/v1beta1, apps/v1beta2 and extensions/v1beta1 Deployments were removed in Kubernetes 1.16; "
                "use apps/v1 (which also requires spec.selector)."),
    FindingCode("NO_PULL_RECORDED", "unknown", 2,
                "No pull attempt is recorded for this pod",
                "The pod has not been scheduled or its kubelet has not tried to pull yet."),
)


def by_code(code: str) -> FindingCode:
    return next(c for c in CODES if c.code == code)
