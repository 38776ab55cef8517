"""ARM errors of the Microsoft.ContainerService resource provider."""

from __future__ import annotations

from pullproof.core.errors import ErrorRegistry

AKS = ErrorRegistry("arm", "Microsoft.ContainerService resource provider")

SP_NOT_FOUND = AKS.register(
    "sp_not_found", "ServicePrincipalValidationClientError", 400,
    "Service principal clientID: {client_id} not found in Active Directory tenant {tenant}, Please see "
    "https://aka.ms/aks-sp-help for more details.",
    "servicePrincipalProfile.clientId names no application in the tenant.",
)
SP_BAD_SECRET = AKS.register(
    "sp_bad_secret", "ServicePrincipalValidationClientError", 400,
    "{detail}",
    "The service principal's secret does not sign in (wrong or expired); the detail is the AADSTS message.",
)
NO_IDENTITY = AKS.register(
    "no_identity", "InvalidParameter", 400,
    "Either servicePrincipalProfile.clientId with a secret, or a managed identity (identity.type SystemAssigned "
    "or UserAssigned) is required.",
    "A cluster without control-plane identity.",
)
IDENTITY_NOT_FOUND = AKS.register(
    "identity_not_found", "InvalidParameter", 400,
    "The user assigned identity '{id}' was not found.",
    "identity.userAssignedIdentities or identityProfile.kubeletidentity names no identity.",
)
KUBELET_NEEDS_USER_ASSIGNED = AKS.register(
    "kubelet_needs_user_assigned", "BadRequest", 400,
    "Kubelet identity can only be specified together with a user-assigned control plane identity.",
    "identityProfile.kubeletidentity on a cluster whose control plane is not user-assigned.",
)
INVALID_POOL = AKS.register(
    "invalid_pool", "InvalidParameter", 400,
    "The value of parameter agentPoolProfile.name is invalid. Error details: Agent Pool name '{name}' is "
    "invalid. It must start with a lowercase letter, have max length of 12, and only have characters a-z0-9.",
    "Pool names follow ^[a-z][a-z0-9]{0,11}$.",
)
INVALID_COUNT = AKS.register(
    "invalid_count", "InvalidParameter", 400,
    "The value of parameter agentPoolProfile.count is invalid. Please see https://aka.ms/aks-naming-rules for "
    "more details.",
    "A node count below 0 or above 1000.",
)
NO_POOLS = AKS.register(
    "no_pools", "InvalidParameter", 400,
    "The cluster must have at least one agent pool of mode System.",
    "agentPoolProfiles is empty.",
)
LAST_SYSTEM_POOL = AKS.register(
    "last_system_pool", "OperationNotAllowed", 400,
    "Cannot delete the last system agent pool '{name}'.",
    "Deleting the only System-mode pool.",
)
WINDOWS_POOL_NAME = AKS.register(
    "windows_pool_name", "WindowsAgentPoolNameTooLong", 400,
    "Windows agent pool name can not be longer than 6 characters.",
    "A Windows pool's name is over 6 characters (its nodes' computer names are aks<pool> and 6 more).",
)
WINDOWS_NEEDS_AZURE_CNI = AKS.register(
    "windows_needs_azure_cni", "AzureCNIOnlyForWindows", 400,
    "Windows agent pools can only be added to AKS clusters using Azure-CNI.",
    "A Windows pool on a cluster whose networkProfile.networkPlugin is not azure.",
)
WINDOWS_PROFILE_MISSING = AKS.register(
    "windows_profile_missing", "WindowsProfileMissing", 400,
    "Windows profile definition is missing for the cluster.",
    "A Windows pool on a cluster without windowsProfile (AKS gives one to Azure CNI clusters at creation).",
)
CLUSTER_STOPPED = AKS.register(
    "cluster_stopped", "OperationNotAllowed", 400,
    "managed cluster is in Provisioning State(Succeeded) and Power State({power}), {operation} cannot be performed",
    "Stopping a stopped cluster, starting a running one, or changing a cluster or its pools while it is stopped.",
)
POD_CIDR_FULL = AKS.register(
    "pod_cidr_full", "InsufficientSubnetSize", 400,
    "Pre-allocated IPs {nodes} exceeds IPs available in Subnet Cidr {cidr}: the pod CIDR has room for {room} "
    "nodes (a /24 each). Use a larger networkProfile.podCidr.",
    "More nodes across the cluster's pools than its pod CIDR has /24 ranges for (kubenet and Azure CNI Overlay "
    "give every node a /24).",
)
SYSTEM_POOL_STOP = AKS.register(
    "system_pool_stop", "OperationNotAllowed", 400,
    "Agent pool '{name}' is in System mode and cannot be stopped; stop the cluster instead.",
    "Stopping a System-mode pool (only User pools can be stopped on their own).",
)
