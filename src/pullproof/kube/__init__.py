"""Per-cluster Kubernetes API subset, controllers and simulated kubelets."""
