"""Every table the generated reference pages and the OpenAPI descriptions list: the wire-error
registries of all surfaces, in the order the docs list them, and the finding codes."""

from __future__ import annotations

from pullproof.aks.errors import AKS
from pullproof.arm.errors import ARM
from pullproof.arm.providers.registry_errors import ACR_ARM
from pullproof.core import docgen
from pullproof.core.errors import ErrorRegistry
from pullproof.explain.codes import CODES
from pullproof.front.errors import FRONT
from pullproof.iac.errors import IAC
from pullproof.identity.errors import IMDS, OAUTH
from pullproof.identity.graph.errors import GRAPH
from pullproof.kube.errors import KUBE
from pullproof.rbac.errors import AUTHZ
from pullproof.registry.errors import OCI


def error_registries() -> list[ErrorRegistry]:
    """Every wire-error registry, in the order the docs list them."""
    return [OAUTH, IMDS, GRAPH, ARM, AUTHZ, ACR_ARM, AKS, IAC, OCI, KUBE, FRONT]


def doc_pages() -> dict[str, str]:
    """The generated pages of ``docs/`` by file name."""
    return docgen.pages(error_registries(), CODES)
