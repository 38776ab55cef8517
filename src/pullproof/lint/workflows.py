"""GitHub workflows: the ACR images they name, the manifests they ``kubectl apply``, the cluster they
target and the registries they attach (``az aks update --attach-acr``). Best effort: ``${{ env.X }}``
and ``$X`` are resolved from the workflow's ``env`` maps; anything else stays unresolved."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACR_IMAGE = re.compile(r"\b([a-z0-9]{5,50})\.azurecr\.io/([a-z0-9][a-z0-9._/-]*)(?::([^\s\"'@,]+))?")
ENV_EXPR = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
SHELL_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class Attach:
    cluster: str | None
    acr: str | None
    line: int


@dataclass
class Workflow:
    path: Path
    images: list[tuple[str, str, str | None, int]] = field(default_factory=list)  # acr, repo, tag, line
    applies: list[Path] = field(default_factory=list)
    attaches: list[Attach] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)

    def concrete_images(self) -> list[str]:
        return [f"{a}.azurecr.io/{r}:{t}" for a, r, t, _ in self.images if t and TAG.match(t)]


def _envs(data: Any) -> dict[str, str]:
    env: dict[str, str] = {}

    def add(block: Any) -> None:
        if isinstance(block, dict) and isinstance(block.get("env"), dict):
            env.update({str(k): str(v) for k, v in block["env"].items()})

    add(data)
    for job in ((data or {}).get("jobs") or {}).values() if isinstance(data, dict) else []:
        add(job)
        for step in (job or {}).get("steps") or [] if isinstance(job, dict) else []:
            add(step)
    return env


def _resolve(text: str, env: dict[str, str]) -> str:
    text = ENV_EXPR.sub(lambda m: env.get(m.group(1), m.group(0)), text)
    return SHELL_VAR.sub(lambda m: env.get(m.group(1), m.group(0)), text)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with shell continuations (``\\`` at the end) joined, each with its first line number."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        start, acc = pending if pending else (number, "")
        joined = acc + " " + raw.strip() if acc else raw
        if raw.rstrip().endswith("\\"):
            pending = (start, joined.rstrip()[:-1])
            continue
        pending = None
        out.append((start, joined))
    if pending:
        out.append(pending)
    return out


def _option(words: list[str], *names: str) -> str | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


def _concrete(value: str | None) -> str | None:
    return value if value and "$" not in value and "{" not in value else None


def _command(flow: Workflow, words: list[str], line: int, root: Path) -> None:
    if "kubectl" in words and "apply" in words:
        for i, word in enumerate(words):
            target = words[i + 1] if word in ("-f", "--filename") and i + 1 < len(words) else (
                word.split("=", 1)[1] if word.startswith(("-f=", "--filename=")) else None)
            if target and _concrete(target) and "://" not in target:
                flow.applies.append(root / target)
    if words[:3] == ["az", "aks", "update"] and any(w.startswith("--attach-acr") for w in words):
        acr = _concrete(_option(words, "--attach-acr"))
        flow.attaches.append(Attach(_concrete(_option(words, "-n", "--name")),
                                    acr.rsplit("/", 1)[-1].split(".")[0].lower() if acr else None, line))
    if words[:3] == ["az", "aks", "get-credentials"]:
        name = _concrete(_option(words, "-n", "--name"))
        if name:
            flow.clusters.append(name)


def _actions(flow: Workflow, data: Any, env: dict[str, str], root: Path) -> None:
    jobs = (data.get("jobs") or {}) if isinstance(data, dict) else {}
    for job in jobs.values():
        for step in (job or {}).get("steps") or [] if isinstance(job, dict) else []:
            if not isinstance(step, dict) or not isinstance(step.get("with"), dict):
                continue
            uses, given = str(step.get("uses") or ""), step["with"]
            if uses.startswith("azure/aks-set-context") and _concrete(_resolve(str(given.get("cluster-name", "")),
                                                                                  env)):
                flow.clusters.append(_resolve(str(given["cluster-name"]), env))
            if uses.startswith("azure/k8s-deploy"):
                for item in _resolve(str(given.get("manifests") or ""), env).split():
                    if _concrete(item):
                        flow.applies.append(root / item)


def load_workflow(path: Path) -> Workflow:
    """What a workflow file says about images, manifests, clusters and registries (unparseable: nothing)."""
    flow = Workflow(path)
    try:
        text = path.read_text("utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return flow
    env = _envs(data)
    root = path.resolve().parents[2] if len(path.resolve().parents) > 2 else path.parent
    for line, raw in _logical_lines(text):
        resolved = _resolve(raw, env)
        for match in ACR_IMAGE.finditer(resolved):
            flow.images.append((match.group(1), match.group(2), match.group(3), line))
        command = resolved.strip().removeprefix("- ").removeprefix("run:").strip()
        try:
            words = shlex.split(command)
        except ValueError:
            continue
        if words:
            _command(flow, words, line, root)
    _actions(flow, data, env, root)
    return flow
