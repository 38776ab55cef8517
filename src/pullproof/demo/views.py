"""What kubectl would print, computed from the API objects the demo reads."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from pullproof.core.clock import parse_time


def pod_status(pod: dict[str, Any]) -> str:
    status = pod.get("status", {})
    reason = status.get("reason") or status.get("phase", "Pending")
    for container in status.get("containerStatuses", []):
        state = container.get("state", {})
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    return str(reason)


def age(stamp: str, now: float) -> str:
    seconds = max(0, int(now - parse_time(stamp)))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    return f"{minutes}m{seconds % 60}s" if minutes < 10 else f"{minutes}m"


def pod_table(pods: list[dict[str, Any]], now: float) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("NAME", "READY", "STATUS", "RESTARTS", "AGE"):
        table.add_column(column)
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        statuses = pod.get("status", {}).get("containerStatuses", [])
        ready = sum(1 for c in statuses if c.get("ready"))
        status = pod_status(pod)
        style = "green" if status == "Running" else "red" if "Err" in status or "BackOff" in status else "yellow"
        table.add_row(pod["metadata"]["name"], f"{ready}/{len(pod['spec']['containers'])}",
                      f"[{style}]{status}[/{style}]", "0", age(pod["metadata"]["creationTimestamp"], now))
    return table


def rollout_line(deployment: dict[str, Any]) -> tuple[bool, str]:
    """``kubectl rollout status``'s line for the deployment (and whether it is complete)."""
    name, spec, status = deployment["metadata"]["name"], deployment["spec"], deployment.get("status", {})
    if deployment["metadata"].get("generation", 1) > status.get("observedGeneration", 0):
        return False, "Waiting for deployment spec update to be observed..."
    progressing: dict[str, Any] = next((c for c in status.get("conditions", []) if c["type"] == "Progressing"), {})
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return False, f'error: deployment "{name}" exceeded its progress deadline'
    replicas, updated = int(spec.get("replicas", 1)), int(status.get("updatedReplicas", 0))
    available = int(status.get("availableReplicas", 0))
    if updated < replicas:
        return False, (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} new replicas '
                       "have been updated...")
    if int(status.get("replicas", 0)) > updated:
        return False, (f'Waiting for deployment "{name}" rollout to finish: {int(status["replicas"]) - updated} old '
                       "replicas are pending termination...")
    if available < updated:
        return False, (f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated replicas '
                       "are available...")
    return True, f'deployment "{name}" successfully rolled out'
