"""The ACR data plane: OCI Distribution API, ACR's token exchange and metadata API."""
