"""``pullproof lint``: Bicep/ARM templates, Kubernetes manifests and GitHub workflows checked for
AKS→ACR pull problems by deploying them into a throw-away pullproof (see docs/lint.md)."""

from pullproof.lint.engine import Options, lint

__all__ = ["Options", "lint"]
