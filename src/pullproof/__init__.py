"""pullproof: an offline, Azure-compatible emulator of the AKS -> ACR image-pull path."""

__version__ = "0.1.0"
