"""The kubeconfig ``listClusterUserCredential`` returns: the cluster's API host, pullproof's CA,
and a bearer token for ``clusterUser`` or ``clusterAdmin``."""

from __future__ import annotations

import base64

import yaml


def kubeconfig(cluster_name: str, group: str, host: str, ca_pem: bytes, user: str, token: str) -> str:
    """A kubeconfig as ``az aks get-credentials`` writes it, with a bearer token for ``user``."""
    user_name = f"{user}_{group}_{cluster_name}"
    context = cluster_name if user == "clusterUser" else f"{cluster_name}-admin"
    document = {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": base64.b64encode(ca_pem).decode("ascii"),
                                  "server": f"https://{host}:443"}, "name": cluster_name}],
        "contexts": [{"context": {"cluster": cluster_name, "user": user_name}, "name": context}],
        "current-context": context,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": user_name, "user": {"token": token}}],
    }
    return yaml.safe_dump(document, default_flow_style=False, sort_keys=False)
