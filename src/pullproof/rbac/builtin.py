"""The built-in roles that code names, by GUID (the ``name`` of their definition in
``builtin_roles.json``; tests hold each one to that data)."""

from __future__ import annotations

ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
REPOSITORY_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac"  # Container Registry Repository Reader
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"

NAMED = {"AcrPull": ACR_PULL, "Container Registry Repository Reader": REPOSITORY_READER, "Owner": OWNER}
