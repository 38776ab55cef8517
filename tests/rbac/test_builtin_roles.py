"""builtin_roles.json against the reference table (shared/reference/protocols.md section 4, BI-ROLES)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from pullproof.rbac.builtin import ACR_PULL, NAMED, OWNER, REPOSITORY_READER
from pullproof.rbac.models import is_guid
from pullproof.rbac.service import load_builtin_roles

CR = "Microsoft.ContainerRegistry/registries"

# Every role of the reference table with its GUID, copied from protocols.md section 4.
REFERENCE_GUIDS = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "AcrDelete": "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
    "AcrImageSigner": "6cef56e8-d556-48e5-a04f-b8e64114680f",
    "AcrQuarantineReader": "cdda3590-29a3-44f6-95f2-9f980659eb04",
    "AcrQuarantineWriter": "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Container Registry Repository Reader": "b93aa761-3e63-49ed-ac28-beffa264f7ac",
    "Container Registry Repository Writer": "2a1e307c-b015-4ebd-883e-5b7698a07328",
    "Container Registry Repository Contributor": "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    "Container Registry Repository Catalog Lister": "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
    "Container Registry Data Importer and Data Reader": "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    "Container Registry Configuration Reader and Data Access Configuration Reader":
        "69b07be0-09bf-439a-b9a6-e73de851bd59",
    "Container Registry Contributor and Data Access Configuration Administrator":
        "3bc748fc-213d-45c1-8d91-9da5725539b9",
    "Container Registry Tasks Contributor": "fb382eab-e894-4461-af04-94435c366c3f",
    "Container Registry Cache Rule Administrator": "df87f177-bb12-4db1-9793-a413691eff94",
    "Container Registry Cache Rule Reader": "c357b964-0002-4b64-a50d-7a28f02edc52",
    "Container Registry Credential Set Administrator": "f094fb07-0703-4400-ad6a-e16dd8000e14",
    "Container Registry Credential Set Reader": "29093635-9924-4f2c-913b-650a12949526",
}

# (actions, notActions, dataActions) of the roles whose permissions the table spells out in full.
REFERENCE_PERMISSIONS = {
    "AcrPull": ([f"{CR}/pull/read"], [], []),
    "AcrPush": ([f"{CR}/pull/read", f"{CR}/push/write"], [], []),
    "AcrDelete": ([f"{CR}/artifacts/delete"], [], []),
    "AcrImageSigner": ([f"{CR}/sign/write"], [], [f"{CR}/trustedCollections/write"]),
    "AcrQuarantineReader": ([f"{CR}/quarantine/read"], [], [f"{CR}/quarantinedArtifacts/read"]),
    "AcrQuarantineWriter": ([f"{CR}/quarantine/read", f"{CR}/quarantine/write"], [],
                            [f"{CR}/quarantinedArtifacts/read", f"{CR}/quarantinedArtifacts/write"]),
    "Owner": (["*"], [], []),
    "Contributor": (["*"], [
        "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action"], []),
    "Reader": (["*/read"], [], []),
    "User Access Administrator": (["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], [], []),
    "Container Registry Repository Reader": (
        [], [], [f"{CR}/repositories/metadata/read", f"{CR}/repositories/content/read"]),
    "Container Registry Repository Writer": ([], [], [
        f"{CR}/repositories/metadata/read", f"{CR}/repositories/content/read",
        f"{CR}/repositories/metadata/write", f"{CR}/repositories/content/write"]),
    "Container Registry Repository Contributor": ([], [], [
        f"{CR}/repositories/metadata/read", f"{CR}/repositories/content/read", f"{CR}/repositories/metadata/write",
        f"{CR}/repositories/content/write", f"{CR}/repositories/metadata/delete", f"{CR}/repositories/content/delete"]),
    "Container Registry Repository Catalog Lister": ([], [], [f"{CR}/catalog/read"]),
}

ROLES = {role.role_name: role for role in load_builtin_roles().values()}


@pytest.mark.parametrize(("name", "guid"), sorted(REFERENCE_GUIDS.items()))
def test_guid_matches_the_reference(name: str, guid: str) -> None:
    assert ROLES[name].guid == guid


@pytest.mark.parametrize(("name", "expected"), sorted(REFERENCE_PERMISSIONS.items()))
def test_permissions_match_the_reference(name: str, expected: tuple[list[str], list[str], list[str]]) -> None:
    [permission] = ROLES[name].permissions
    actions, not_actions, data_actions = expected
    assert list(permission.actions) == actions
    assert list(permission.not_actions) == not_actions
    assert sorted(permission.data_actions) == sorted(data_actions)
    assert list(permission.not_data_actions) == []


def test_the_file_is_well_formed() -> None:
    raw = json.loads(resources.files("pullproof.rbac").joinpath("builtin_roles.json").read_text("utf-8"))
    assert len(raw) == len(ROLES) == 33
    assert all(is_guid(r["name"]) and r["name"] == r["name"].lower() for r in raw)
    assert len({r["name"] for r in raw}) == len({r["roleName"].lower() for r in raw}) == 33
    assert {r.role_type for r in ROLES.values()} == {"BuiltInRole"}
    assert all(r.assignable_scopes == ("/",) and r.permissions for r in ROLES.values())


def test_descriptions_of_the_acr_roles() -> None:
    assert (ROLES["AcrPull"].description, ROLES["AcrPush"].description) == ("acr pull", "acr push")
    assert ROLES["AcrQuarantineReader"].description == "acr quarantine data reader"
    assert ROLES["AcrQuarantineWriter"].description == "acr quarantine data writer"


def test_the_role_guids_code_names_are_those_of_the_data() -> None:
    """``rbac.builtin`` names roles by GUID; each is the GUID of that role in builtin_roles.json."""
    by_guid = load_builtin_roles()
    assert by_guid[ACR_PULL].role_name == "AcrPull"
    assert by_guid[REPOSITORY_READER].role_name == "Container Registry Repository Reader"
    assert by_guid[OWNER].role_name == "Owner"
    assert {name: by_guid[guid].role_name for name, guid in NAMED.items()} == {name: name for name in NAMED}
    assert all(REFERENCE_GUIDS[name] == guid for name, guid in NAMED.items())
