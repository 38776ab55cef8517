"""Managed identity for nodes: IMDS (``/metadata/identity/oauth2/token``) and App Service (``/msi/token``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from pullproof.core.reasons import Reason
from pullproof.identity.models import ServicePrincipal
from pullproof.identity.service import mirid_of
from tests.conftest import Local
from tests.identity.conftest import claims, identity_id, make_identity, proxy_auth

IMDS_PATH = "/metadata/identity/oauth2/token"
ARM = "https://management.azure.com/"
ACR = "https://containerregistry.azure.net"
NOT_FOUND = {"error": "invalid_request", "error_description": "Identity not found"}
NO_METADATA = {"error": "invalid_request", "error_description": "Required metadata header not specified"}
FORWARDED = {"error": "invalid_request",
             "error_description": "Requests with an X-Forwarded-For header are not accepted"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
AMBIGUOUS = ("Multiple user assigned identities exist, please specify the clientId / resourceId of the identity "
             "in the token request")


@dataclass
class Fleet:
    """id1 and id2 (user-assigned); vm1 carries id1, vm2 both, vm0 none."""

    id1: ServicePrincipal
    id2: ServicePrincipal
    id1_arm: str
    id2_arm: str
    vm0: str
    vm1: str
    vm2: str


@pytest.fixture
def fleet(local: Local) -> Fleet:
    id1, id2 = make_identity(local, "id1"), make_identity(local, "id2")
    id1_arm, id2_arm = identity_id(local, "id1"), identity_id(local, "id2")
    return Fleet(id1, id2, id1_arm, id2_arm, local.emulator.put_node("vm0", []),
                 local.emulator.put_node("vm1", [id1_arm]), local.emulator.put_node("vm2", [id1_arm, id2_arm]))


def ask(imds: TestClient, credential: str | None, resource: str = ARM, *, metadata: bool = True,
        chosen: dict[str, str] | None = None, **selector: str) -> Any:
    headers = proxy_auth(credential) if credential else {}
    if metadata:
        headers["Metadata"] = "true"
    params = {"api-version": "2018-02-01", "resource": resource, **(chosen or {}), **selector}
    return imds.get(IMDS_PATH, params=params,
                    headers=headers)


def test_imds_response_is_all_strings(local: Local, imds: TestClient, fleet: Fleet) -> None:
    now = int(local.clock.now())
    response = ask(imds, fleet.vm1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "client_id", "expires_in", "expires_on", "ext_expires_in", "not_before",
                         "resource", "token_type"}
    assert all(isinstance(value, str) for value in body.values())
    assert (body["expires_in"], body["ext_expires_in"]) == ("86399", "86399")
    assert (body["expires_on"], body["not_before"]) == (str(now + 86399), str(now))
    assert (body["resource"], body["token_type"], body["client_id"]) == (ARM, "Bearer", fleet.id1.app_id)


def test_imds_token_claims(local: Local, imds: TestClient, fleet: Fleet) -> None:
    token = claims(ask(imds, fleet.vm1, ACR).json()["access_token"])
    sub = local.emulator.operator.subscription_id
    assert token["aud"] == ACR
    assert token["xms_mirid"] == (f"/subscriptions/{sub}/resourcegroups/RG-Nodes/providers/"
                                  "Microsoft.ManagedIdentity/userAssignedIdentities/id1")
    assert (token["appid"], token["oid"], token["appidacr"]) == (fleet.id1.app_id, fleet.id1.object_id, "2")
    assert token["exp"] - token["iat"] == 86399
    entry = local.emulator.trace.entries(principal_id=fleet.id1.object_id)[0]
    assert entry.decision.reason is Reason.MANAGED_IDENTITY_ISSUED and entry.decision.allowed


def test_the_node_may_prove_itself_with_the_identity_header(imds: TestClient, fleet: Fleet) -> None:
    response = imds.get(IMDS_PATH, params={"api-version": "2018-02-01", "resource": ARM},
                        headers={"Metadata": "true", "X-IDENTITY-HEADER": fleet.vm1})
    assert response.json()["client_id"] == fleet.id1.app_id


@pytest.mark.parametrize("metadata", [None, "false", ""])
def test_missing_metadata_header_is_400(imds: TestClient, fleet: Fleet, metadata: str | None) -> None:
    headers = proxy_auth(fleet.vm1) | ({"Metadata": metadata} if metadata is not None else {})
    response = imds.get(IMDS_PATH, params={"api-version": "2018-02-01", "resource": ARM}, headers=headers)
    assert response.status_code == 400
    assert response.json() == NO_METADATA


@pytest.mark.parametrize("forwarded", ["10.0.0.4", "", "203.0.113.7, 10.0.0.4"])
def test_a_request_with_x_forwarded_for_is_refused_even_from_a_node(imds: TestClient, fleet: Fleet,
                                                                   forwarded: str) -> None:
    """IMDS rejects every request carrying X-Forwarded-For, whatever else it holds (a proxy relayed it)."""
    response = imds.get(IMDS_PATH, params={"api-version": "2018-02-01", "resource": ARM},
                        headers=proxy_auth(fleet.vm1) | {"Metadata": "true", "X-Forwarded-For": forwarded})
    assert response.status_code == 400
    assert response.json() == FORWARDED
    assert ask(imds, fleet.vm1).status_code == 200  # the same request without it is served


def test_metadata_header_value_is_case_insensitive(imds: TestClient, fleet: Fleet) -> None:
    response = imds.get(IMDS_PATH, params={"api-version": "2018-02-01", "resource": ARM},
                        headers=proxy_auth(fleet.vm1) | {"Metadata": "True"})
    assert response.status_code == 200


@pytest.mark.parametrize("caller", ["none", "unknown node", "wrong secret", "no colon", "bad base64", "bearer"])
def test_a_caller_that_is_no_node_has_no_identity(local: Local, imds: TestClient, fleet: Fleet,
                                                  caller: str) -> None:
    name, secret = fleet.vm1.split(":", 1)
    headers = {
        "none": {},
        "unknown node": proxy_auth(f"vm9:{secret}"),
        "wrong secret": proxy_auth(f"{name}:{secret[:-1]}{'1' if secret.endswith('0') else '0'}"),
        "no colon": proxy_auth(name),
        "bad base64": {"Proxy-Authorization": "Basic !!!"},
        "bearer": {"Proxy-Authorization": f"Bearer {secret}"},
    }[caller]
    response = imds.get(IMDS_PATH, params={"api-version": "2018-02-01", "resource": ARM},
                        headers=headers | {"Metadata": "true"})
    assert response.status_code == 400  # never 404: clients retry 404 for minutes
    assert response.json() == NOT_FOUND
    assert local.emulator.trace.entries()[0].decision.reason is Reason.NODE_UNKNOWN


def test_node_without_identity_is_400(local: Local, imds: TestClient, fleet: Fleet) -> None:
    response = ask(imds, fleet.vm0)
    assert response.status_code == 400
    assert response.json() == NOT_FOUND
    entry = local.emulator.trace.entries()[0]
    assert (entry.decision.reason, entry.decision.evidence) == (Reason.NODE_HAS_NO_IDENTITY, {"node": "vm0"})


def test_two_identities_and_no_selector_is_400(local: Local, imds: TestClient, fleet: Fleet) -> None:
    response = ask(imds, fleet.vm2)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": AMBIGUOUS}
    evidence = local.emulator.trace.entries()[0].decision.evidence
    assert evidence == {"node": "vm2", "identities": [fleet.id1.app_id, fleet.id2.app_id]}


@pytest.mark.parametrize("how", ["client_id", "object_id", "msi_res_id", "mi_res_id", "upper-case client_id",
                                 "lower-case msi_res_id", "principal_id"])
def test_selecting_one_of_two_identities(imds: TestClient, fleet: Fleet, how: str) -> None:
    selector = {
        "client_id": {"client_id": fleet.id2.app_id},
        "object_id": {"object_id": fleet.id2.object_id},
        "principal_id": {"principal_id": fleet.id2.object_id},
        "msi_res_id": {"msi_res_id": fleet.id2_arm},
        "mi_res_id": {"mi_res_id": fleet.id2_arm},
        "upper-case client_id": {"client_id": fleet.id2.app_id.upper()},
        "lower-case msi_res_id": {"msi_res_id": fleet.id2_arm.lower()},
    }[how]
    response = ask(imds, fleet.vm2, chosen=selector)
    assert response.status_code == 200, response.text
    token = claims(response.json()["access_token"])
    assert (token["appid"], token["oid"]) == (fleet.id2.app_id, fleet.id2.object_id)
    assert token["xms_mirid"] == mirid_of(fleet.id2_arm)


@pytest.mark.parametrize("how", ["client_id", "object_id", "msi_res_id"])
def test_selecting_an_identity_the_node_does_not_carry(local: Local, imds: TestClient, fleet: Fleet,
                                                      how: str) -> None:
    selector = {"client_id": {"client_id": fleet.id2.app_id}, "object_id": {"object_id": fleet.id2.object_id},
                "msi_res_id": {"msi_res_id": fleet.id2_arm}}[how]
    response = ask(imds, fleet.vm1, chosen=selector)
    assert response.status_code == 400
    assert response.json() == NOT_FOUND
    entry = local.emulator.trace.entries()[0]
    assert (entry.decision.reason, entry.decision.evidence["node"]) == (Reason.NODE_IDENTITY_NOT_ASSIGNED, "vm1")


def test_system_assigned_identity_is_the_default(local: Local, imds: TestClient, fleet: Fleet) -> None:
    sub = local.emulator.operator.subscription_id
    vm_id = f"/subscriptions/{sub}/resourceGroups/RG-Nodes/providers/Microsoft.Compute/virtualMachines/vm3"
    system = local.emulator.directory.create_managed_identity(vm_id, "vm3")
    credential = local.emulator.put_node("vm3", [fleet.id1_arm, fleet.id2_arm], system=system.object_id)
    token = claims(ask(imds, credential).json()["access_token"])
    assert (token["oid"], token["xms_mirid"]) == (system.object_id, mirid_of(vm_id))
    assert claims(ask(imds, credential, client_id=fleet.id2.app_id).json()["access_token"])["oid"] == \
        fleet.id2.object_id


def test_an_application_principal_is_never_a_node_identity(local: Local, imds: TestClient, fleet: Fleet) -> None:
    """Only managed identities live on machines; selecting something else finds nothing."""
    operator = local.emulator.operator
    credential = local.emulator.put_node("vm4", [fleet.id1_arm], system=operator.object_id)
    assert ask(imds, credential).json()["client_id"] == fleet.id1.app_id
    for selector in ({"client_id": operator.client_id}, {"client_id": fleet.id2.app_id},
                     {"object_id": fleet.id2.object_id}):
        response = ask(imds, credential, chosen=selector)
        assert response.json() == NOT_FOUND, selector


def test_a_deleted_identity_is_no_longer_found(local: Local, imds: TestClient, fleet: Fleet) -> None:
    local.emulator.directory.delete_managed_identity(fleet.id1_arm)
    assert ask(imds, fleet.vm1).json() == NOT_FOUND


def test_reassigning_identities_takes_effect(local: Local, imds: TestClient, fleet: Fleet) -> None:
    again = local.emulator.put_node("vm1", [fleet.id2_arm])
    assert again == fleet.vm1  # the same node keeps its credential
    assert ask(imds, fleet.vm1).json()["client_id"] == fleet.id2.app_id


def test_missing_resource_is_400(imds: TestClient, fleet: Fleet) -> None:
    response = imds.get(IMDS_PATH, params={"api-version": "2018-02-01"},
                        headers=proxy_auth(fleet.vm1) | {"Metadata": "true"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request",
                               "error_description": "Required query variable 'resource' is missing"}


def test_unknown_resource_is_invalid_resource(local: Local, imds: TestClient, fleet: Fleet) -> None:
    response = ask(imds, fleet.vm1, "https://vault.azure.net")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_resource"
    assert body["error_description"].startswith(
        "AADSTS500011: The resource principal named https://vault.azure.net was not found in the tenant named "
        f"{local.emulator.operator.tenant_id}.")
    entry = local.emulator.trace.entries()[0]
    assert (entry.decision.reason, entry.principal_id) == (Reason.RESOURCE_UNKNOWN, fleet.id1.object_id)


def test_only_get_is_served(imds: TestClient, fleet: Fleet) -> None:
    response = imds.post(IMDS_PATH, params={"resource": ARM}, headers=proxy_auth(fleet.vm1) | {"Metadata": "true"})
    assert response.status_code == 405
    assert response.json() == {"error": "invalid_request", "error_description": "The request method is not supported"}


def test_imds_is_not_served_over_https(local: Local, fleet: Fleet) -> None:
    with local.client("login.microsoftonline.com") as login:
        response = login.get(IMDS_PATH, params={"resource": ARM}, headers=proxy_auth(fleet.vm1) | {"Metadata": "true"})
    assert response.status_code == 404


# --- App Service style -------------------------------------------------------------------------------------------

def app_service(imds: TestClient, header: str | None, resource: str = ARM, **selector: str) -> Any:
    headers = {"X-IDENTITY-HEADER": header} if header is not None else {}
    return imds.get("/msi/token", params={"api-version": "2019-08-01", "resource": resource, **selector},
                    headers=headers)


def test_app_service_response(local: Local, imds: TestClient, fleet: Fleet) -> None:
    now = int(local.clock.now())
    response = app_service(imds, fleet.vm1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "expires_on", "resource", "token_type", "client_id"}
    assert all(isinstance(value, str) for value in body.values())
    assert (body["expires_on"], body["resource"], body["client_id"]) == (str(now + 86399), ARM, fleet.id1.app_id)
    assert claims(body["access_token"])["xms_mirid"] == mirid_of(fleet.id1_arm)


@pytest.mark.parametrize("key", ["client_id", "mi_res_id", "object_id"])
def test_app_service_selection(imds: TestClient, fleet: Fleet, key: str) -> None:
    value = {"client_id": fleet.id2.app_id, "mi_res_id": fleet.id2_arm, "object_id": fleet.id2.object_id}[key]
    response = app_service(imds, fleet.vm2, **{key: value})
    assert response.json()["client_id"] == fleet.id2.app_id


def app_service_error(response: Any, message: str, status: int = 400) -> None:
    """App Service errors are ``{"statusCode","message","correlationId"}`` (what MSAL parses)."""
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"statusCode", "message", "correlationId"}
    assert (body["statusCode"], body["message"]) == (status, message)
    assert GUID.match(body["correlationId"])


def test_app_service_without_header_is_400(imds: TestClient, fleet: Fleet) -> None:
    app_service_error(app_service(imds, None), "Required metadata header not specified")


@pytest.mark.parametrize("header", ["wrong", "vm1:wrong", "vm9:abc", ""])
def test_app_service_with_a_wrong_header_has_no_identity(imds: TestClient, fleet: Fleet, header: str) -> None:
    app_service_error(app_service(imds, header), "Identity not found")


def test_app_service_ambiguity_and_unassigned(imds: TestClient, fleet: Fleet) -> None:
    app_service_error(app_service(imds, fleet.vm2), AMBIGUOUS)
    app_service_error(app_service(imds, fleet.vm1, client_id=fleet.id2.app_id), "Identity not found")
    app_service_error(app_service(imds, fleet.vm0), "Identity not found")


def test_app_service_only_get_and_known_resources(imds: TestClient, fleet: Fleet) -> None:
    app_service_error(imds.post("/msi/token", params={"resource": ARM}, headers={"X-IDENTITY-HEADER": fleet.vm1}),
                      "The request method is not supported", 405)
    response = app_service(imds, fleet.vm1, "https://vault.azure.net")
    assert response.status_code == 400
    assert response.json()["message"].startswith("AADSTS500011: ")
