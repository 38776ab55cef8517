"""The controllers of kube-controller-manager and the scheduler, reconciling through the tracker."""
