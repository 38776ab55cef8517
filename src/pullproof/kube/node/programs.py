"""Programs AKS nodes run from images they always have: ``canipull`` (the probe behind
``az aks check-acr``). It runs the same checks, over the same HTTP calls, and prints the same lines."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx

from pullproof.core.clock import Clock
from pullproof.kube.node.nodeauth import NodeAuth
from pullproof.kube.storage.tracker import kube_time

CANIPULL_IMAGES = ("mcr.microsoft.com/aks/canipull:v0.1.0", "mcr.microsoft.com/aks/canipull:0.1.0")
ARM_RESOURCE = "https://management.azure.com/"


@dataclass
class Outcome:
    exit_code: int
    log: str


def is_builtin(image: str) -> bool:
    return image in CANIPULL_IMAGES


class CanIPull:
    def __init__(self, http: httpx.AsyncClient, clock: Clock, location_of: Any, cluster_location: str) -> None:
        self.http = http
        self.clock = clock
        self.location_of = location_of
        self.cluster_location = cluster_location
        self.lines: list[str] = []

    def _say(self, text: str) -> None:
        self.lines.append(f"[{kube_time(self.clock.now())}] {text}")

    def _done(self, code: int) -> Outcome:
        return Outcome(code, "\n".join(self.lines) + "\n")

    async def run(self, args: list[str], auth: NodeAuth | None) -> Outcome:
        acr = next((a for a in args if not a.startswith("-")), None)
        if not acr:
            self._say("No ACR input. Expect `canipull myacr.azurecr.io`.")
            return self._done(0)
        location = self.location_of(acr)
        if location is None:
            self._say(f"Checking host name resolution ({acr}): FAILED")
            self._say(f"Failed to resolve specified fqdn {acr}: lookup {acr}: no such host")
            return self._done(52)
        self._say(f"Checking host name resolution ({acr}): SUCCEEDED")
        name = acr.split(".")[0]
        self._say(f"Canonical name for ACR ({acr}): {name}.{location}.cloudapp.azure.com.")
        self._say(f"ACR location: {location}")
        if location.replace(" ", "").lower() != self.cluster_location.replace(" ", "").lower():
            self._say("Checking ACR location matches cluster location: FAILED")
            self._say(f"ACR location '{location}' does not match your cluster location '{self.cluster_location}'. "
                      "This may result in slow image pulls and extra cost.")
        else:
            self._say("Checking ACR location matches cluster location: SUCCEEDED")
        if auth is None:
            self._say("Failed to load azure.json. Are you running inside Kubernetes on Azure?")
            return self._done(1)
        token = await self._token(auth)
        if token is None:
            return self._done(10)
        return await self._exchange(acr, token, auth)

    async def _token(self, auth: NodeAuth) -> str | None:
        if auth.mode == "msi":
            self._say("Checking managed identity...")
            self._say(f"Kubelet managed identity client ID: {auth.client_id}")
            node, _, secret = auth.node_credential.partition(":")
            response = await self.http.get(
                "http://169.254.169.254/metadata/identity/oauth2/token",
                params={"api-version": "2018-02-01", "client_id": auth.client_id, "resource": ARM_RESOURCE},
                headers={"Metadata": "true",
                         "Proxy-Authorization": "Basic " + base64.b64encode(f"{node}:{secret}".encode()).decode()})
            if response.status_code != 200:
                self._say("Validating managed identity existance: FAILED")
                self._say(f"Getting managed identity token failed with: {response.text}")
                return None
            self._say("Validating managed identity existance: SUCCEEDED")
            return str(response.json()["access_token"])
        response = await self.http.post(f"https://login.microsoftonline.com/{auth.tenant_id}/oauth2/token", data={
            "grant_type": "client_credentials", "client_id": auth.client_id, "client_secret": auth.client_secret or "",
            "resource": ARM_RESOURCE})
        if response.status_code != 200:
            self._say("Validating service principal credential: FAILED")
            self._say(f"Sign in to AAD failed with: {response.text}")
            return None
        self._say("Validating service principal credential: SUCCEEDED")
        return str(response.json()["access_token"])

    async def _exchange(self, acr: str, token: str, auth: NodeAuth) -> Outcome:
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        response = await self.http.post(f"https://{acr}/oauth2/exchange", data={
            "grant_type": "access_token", "service": acr, "tenant": claims.get("tid") or auth.tenant_id,
            "access_token": token})
        if response.status_code != 200:
            self._say("Validating image pull permission: FAILED")
            self._say(f"ACR {acr} rejected token exchange: ACR token exchange endpoint returned error status: "
                      f"{response.status_code}. body: {response.text}")
            return self._done(60)
        self._say("Validating image pull permission: SUCCEEDED")
        self._say(f"\nYour cluster can pull images from {acr}!")
        return self._done(0)
