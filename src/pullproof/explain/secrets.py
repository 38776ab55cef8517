"""Findings about image pull secrets: missing, in another namespace, for another server, or refused."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from pullproof.core import jsonbody
from pullproof.explain.codes import by_code
from pullproof.explain.facts import PodFacts
from pullproof.explain.findings import Finding, Fix, Step
from pullproof.kube.node.credentials import secret_credentials
from pullproof.kube.node.images import parse_image
from pullproof.kube.node.models import CredentialSource

if TYPE_CHECKING:
    from pullproof.explain.state import ToolState


def _servers(secret: dict[str, Any]) -> list[str]:
    try:
        data = jsonbody.loads(base64.b64decode((secret.get("data") or {}).get(".dockerconfigjson", "")) or b"{}")
    except ValueError:
        return []
    return sorted((data.get("auths") or {}).keys())


def secret_finding(state: ToolState, facts: PodFacts, subject: str, chain: tuple[Step, ...],
                   base: dict[str, Any]) -> Finding | None:
    record = facts.latest
    assert record is not None
    refused = [a for a in record.attempts if a.source is CredentialSource.PULL_SECRET and not a.ok]
    if refused:
        name = refused[0].secret
        return Finding(by_code("PULL_SECRET_WRONG_PASSWORD"), subject,
                       f"The pull secret {name} (user {refused[0].username}) is refused by the registry.",
                       chain, Fix("Recreate the secret with the right password.",
                                  f"kubectl delete secret {name} -n {facts.namespace}\nkubectl create secret "
                                  f"docker-registry {name} -n {facts.namespace} --docker-server <login server> "
                                  "--docker-username <app id> --docker-password <password>"), base)
    live = state.objects(facts.cluster.id)
    wanted = [r.get("name", "") for r in ((facts.pod or {}).get("spec", {}).get("imagePullSecrets") or [])]
    if live is None or not wanted:
        return None
    image = parse_image(record.image)
    for name in wanted:
        secret = live.find("secrets", facts.namespace, name)
        if secret is None:
            return _missing(live.list("secrets")[0], facts, subject, chain, base, name)
        if image is not None and not secret_credentials(name, secret, image):
            return Finding(by_code("PULL_SECRET_WRONG_SERVER"), subject,
                           f"The pull secret {name} is for {', '.join(_servers(secret)) or 'no server'}, not for "
                           f"{image.host}; the kubelet ignores it.", chain,
                           Fix("Recreate the secret with --docker-server set to the image's registry host.",
                               f"kubectl create secret docker-registry {name} -n {facts.namespace} "
                               f"--docker-server {image.host} --docker-username <app id> --docker-password "
                               "<password> --dry-run=client -o yaml | kubectl apply -f -"),
                           {**base, "servers": _servers(secret)})
    return None


def _missing(all_secrets: list[dict[str, Any]], facts: PodFacts, subject: str, chain: tuple[Step, ...],
             base: dict[str, Any], name: str) -> Finding:
    elsewhere = sorted(s["metadata"]["namespace"] for s in all_secrets if s["metadata"]["name"] == name)
    if elsewhere:
        return Finding(by_code("PULL_SECRET_OTHER_NAMESPACE"), subject,
                       f"The pull secret {name} exists in {', '.join(elsewhere)}, not in {facts.namespace}.", chain,
                       Fix("Create the secret in the pod's namespace.",
                           f"kubectl get secret {name} -n {elsewhere[0]} -o json | jq 'del(.metadata.namespace,"
                           f".metadata.uid,.metadata.resourceVersion,.metadata.creationTimestamp)' | kubectl apply "
                           f"-n {facts.namespace} -f -"), {**base, "found_in": elsewhere})
    return Finding(by_code("PULL_SECRET_MISSING"), subject, f"The pull secret {name} does not exist.", chain,
                   Fix("Create the secret.", f"kubectl create secret docker-registry {name} -n {facts.namespace} "
                       "--docker-server <login server> --docker-username <app id> --docker-password <password>"),
                   base)
