"""The node side: kubelets, their credentials, the containerd-faithful puller, the pull log, pod
state and node programs. It reaches the cluster only through the storage port."""
