"""Blob bytes behind a small port (``BlobDriver``), with filesystem and memory adapters."""
