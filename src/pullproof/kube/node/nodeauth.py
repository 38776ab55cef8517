"""What a node knows about its own Azure identity: the ``/etc/kubernetes/azure.json`` the ACR
credential provider reads (a port; AKS implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class NodeAuth:
    """``mode`` ``msi``: the kubelet identity (``client_id``) through IMDS; ``sp``: the cluster's service
    principal (``client_id`` + ``client_secret``), handed to the runtime as Basic credentials."""

    tenant_id: str
    mode: Literal["msi", "sp"]
    client_id: str
    client_secret: str | None
    node_credential: str


class NodeAuthSource(Protocol):
    def node_auth(self, cluster_id: str, node: str) -> NodeAuth | None:
        """The node's azure.json, or None if the node (or cluster) does not exist."""
        ...
