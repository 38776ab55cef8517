"""The Kubernetes API server of every cluster: routes, verbs, watch, patch, media types, discovery,
OpenAPI, validation, admission and defaulting."""
