"""Scripts that wait for a Service before they go on, as init containers commonly do
(``until nc -z rabbitmq 5672; do echo waiting; sleep 2; done``). The loop's condition is a TCP probe,
so it holds once the Service exists with that port and has a ready endpoint; the kubelet checks it on
each pass while the loop prints its body's output once per period."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pullproof.kube.storage.tracker import Tracker

UNTIL = re.compile(r"^\s*until\s+(?P<cond>[^;]+?)\s*;\s*do\s+(?P<body>.*?)\s*;?\s*done\s*;?(?P<rest>.*)$", re.S)
PROBES = ("nc", "netcat")
CLUSTER_DOMAIN = "svc.cluster.local"


@dataclass(frozen=True)
class Loop:
    host: str
    port: int
    body: str  # the loop's body, run once per period while the condition fails
    rest: str  # what the script runs after the loop


def until_loop(script: str) -> Loop | None:
    """The leading ``until nc -z HOST PORT; do ...; done`` of a script, if it has one."""
    found = UNTIL.match(script.replace("\n", ";"))
    if found is None:
        return None
    words = found.group("cond").split()
    if not words or words[0].rsplit("/", 1)[-1] not in PROBES:
        return None
    target = _probe_target(words[1:])
    if target is None:
        return None
    return Loop(target[0], target[1], found.group("body"), found.group("rest").strip().lstrip(";").strip())


def _probe_target(args: list[str]) -> tuple[str, int] | None:
    """(host, port) of ``nc -z [-v] [-w N] HOST PORT``; None for any other use of nc."""
    positional, skip, scanning = [], False, False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            scanning = scanning or "z" in arg
            skip = arg in ("-w", "-i", "-q", "-p", "-s")
        else:
            positional.append(arg)
    if not scanning or len(positional) != 2 or not positional[1].isdigit():
        return None
    return positional[0], int(positional[1])


def reachable(tracker: Tracker, namespace: str, host: str, port: int) -> bool:
    """A TCP connection from a pod in ``namespace`` to ``host:port`` would succeed: the name is a Service
    (``name``, ``name.ns``, ``name.ns.svc``, ``name.ns.svc.cluster.local``) with that port and a ready
    endpoint behind it."""
    parts = host.rstrip(".").split(".")
    if len(parts) > 2 and ".".join(parts[2:]) not in ("svc", CLUSTER_DOMAIN):
        return False
    name, target_namespace = parts[0], parts[1] if len(parts) > 1 else namespace
    service = tracker.find("services", target_namespace, name)
    if service is None or not any(p.get("port") == port for p in (service.get("spec") or {}).get("ports") or []):
        return False
    endpoints = tracker.find("endpoints", target_namespace, name) or {}
    return any(subset.get("addresses") for subset in endpoints.get("subsets") or [])


def waiting_log(loop_output: str, period: float, elapsed: float) -> str:
    """What the loop printed in ``elapsed`` seconds: its body's output once per period."""
    rounds = int(elapsed // period) + 1 if period > 0 else 1
    return loop_output * rounds
