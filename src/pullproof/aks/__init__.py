"""AKS: managed clusters in ARM, their identities, node pools and Kubernetes clusters."""
