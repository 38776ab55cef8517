"""``lint(paths)``: load the inputs, deploy every entry template into a throw-away pullproof, run the
rules over the compiled templates, the manifests and the resulting ARM state, and (``preflight``)
roll the workloads out on the deployed cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pullproof.bicep import Compiler
from pullproof.lint.context import Context
from pullproof.lint.inputs import load_inputs
from pullproof.lint.model import LintFinding, Report
from pullproof.lint.preflight import run_preflight
from pullproof.lint.sandbox import Deployed, Sandbox
from pullproof.lint.state_rules import access_rules, registry_rules, unknown_registries
from pullproof.lint.template_rules import manifest_rules, template_rules
from pullproof.lint.world import WorldFactory


@dataclass
class Options:
    params: dict[str, str] = field(default_factory=dict)
    location: str | None = None
    preflight: bool = False


def _deploy_all(sandbox: Sandbox, ctx_inputs: list[Deployed], options: Options,
                findings: list[LintFinding]) -> list[Deployed]:
    done: list[Deployed] = []
    names: set[str] = set()
    for item in ctx_inputs:
        name = item.entry.path.stem
        while name in names:
            name += "-2"
        names.add(name)
        done.append(sandbox.deploy(item.entry, name, options.params, options.location, findings))
    return done


def _unique(findings: list[LintFinding]) -> list[LintFinding]:
    seen: set[tuple[str, str, int, str]] = set()
    out = []
    for f in sorted(findings, key=LintFinding.sort_key):
        key = (f.rule_id, str(f.location.path), f.location.line, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def lint(paths: list[Path], world: WorldFactory, options: Options | None = None,
         compiler: Compiler | None = None) -> Report:
    """The report for ``paths``, deployed into a world ``world`` opens; raises ``InputError`` for input that
    cannot be read or compiled."""
    options = options or Options()
    inputs = load_inputs(paths, compiler)
    findings: list[LintFinding] = []
    with world() as opened:
        sandbox = Sandbox(opened)
        deployed = _deploy_all(sandbox, [Deployed(t) for t in inputs.templates], options, findings)
        ctx = Context(opened, inputs, deployed)
        roles = set(opened.state.roles)
        for entry in inputs.templates:
            findings += template_rules(entry, options.params, roles)
        findings += access_rules(ctx) + registry_rules(ctx) + unknown_registries(ctx) + manifest_rules(inputs)
        preflight = run_preflight(opened, ctx, findings) if options.preflight else None
    scanned = {"templates": [t.path for t in inputs.templates],
               "manifests": list(dict.fromkeys(m.path for m in inputs.manifests)),
               "workflows": [w.path for w in inputs.workflows]}
    return Report(paths, _unique(findings), preflight, scanned)
