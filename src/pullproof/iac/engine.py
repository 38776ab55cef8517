"""Running a template: preflight (``prepare``), then each resource in dependency order through the
backend, then the outputs. A resource that fails leaves what was deployed before it; resources
that depend on it are not attempted; the deployment ends ``Failed`` with every error in ``details``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pullproof.core.clock import Clock
from pullproof.core.ids import IdFactory
from pullproof.iac import errors, parameters
from pullproof.iac.backend import Backend
from pullproof.iac.checks import check_depth, check_planned
from pullproof.iac.context import DeploymentInfo, Frame, Phase, Scope
from pullproof.iac.errors import DeploymentError, ExpressionError, TemplateError, WireError, as_wire
from pullproof.iac.evaluator import resolve
from pullproof.iac.execute import Execution
from pullproof.iac.hashes import template_hash
from pullproof.iac.limits import Budget, TemplateLimits
from pullproof.iac.plan import Planned, Prepared
from pullproof.iac.planner import plan
from pullproof.iac.records import OperationRecord, Outcome
from pullproof.iac.requests import Request
from pullproof.iac.runtime import EngineRuntime, Mode
from pullproof.iac.sections import check_template, evaluate_outputs, inline_template
from pullproof.iac.template import META_KEYS, Variables


class Engine:
    """Runs one deployment (its nested ones included) within ``limits``: every expression it evaluates
    is charged to one ``Budget``."""

    def __init__(self, backend: Backend, runtime: EngineRuntime, ids: IdFactory, clock: Clock,
                 limits: TemplateLimits | None = None) -> None:
        self.backend = backend
        self.runtime = runtime
        self.planning = EngineRuntime(backend, Mode.VALIDATE, runtime.started, runtime.guid, runtime.tenant_value)
        self.ids = ids
        self.clock = clock
        self.limits = limits or TemplateLimits()
        self.budget = Budget(self.limits)
        self.planned: list[Planned] = []  # every resource prepared so far, nested templates' included
        self.top: Request | None = None  # the request this engine was first asked to prepare

    @property
    def mode(self) -> Mode:
        return self.runtime.mode

    # preflight -----------------------------------------------------------------------------------------
    def prepare(self, request: Request, outer: Frame | None = None) -> Prepared:
        """Validate the template and its parameters and plan its resources (nothing is deployed)."""
        template = request.template
        if self.top is None:
            self.top = request
            check_depth(template.body, template.prefix, self.limits.value_depth)
            check_depth(request.parameters, ("properties", "parameters"), self.limits.value_depth)
        check_template(template, outer.functions if outer else None, self.limits)
        digest = template_hash(template.body)
        if outer is None:
            info = DeploymentInfo(request.name, request.location, template.body, request.parameters, digest,
                                  request.mode)
            base = Frame(request.scope, info, self.planning, Phase.PARAMETER, budget=self.budget)
            values = parameters.bind(template, request.parameters, base)
            variables = Variables(template, base)
            frame = replace(base, params=values, variables=variables, functions=template.functions())
            variables.bind(frame)
            variables.evaluate_all()
            response = parameters.response_parameters(template, values)
        else:
            frame, response = replace(outer, runtime=self.planning), {}
        planned = plan(template, frame, target=request.scope)
        if request is self.top:
            check_planned(planned, self.limits)
        frame = replace(frame, symbols={**frame.symbols, **planned.symbols()}, phase=Phase.BODY)
        prepared = Prepared(request, frame, planned, response, digest)
        self.planned.extend(planned.resources)
        if self.mode is Mode.VALIDATE:
            self._preflight_nested(prepared)
        return prepared

    def _preflight_nested(self, prepared: Prepared) -> None:
        failures: list[WireError] = []
        for item in prepared.plan.resources:
            raw = inline_template(item.decl)
            if not item.is_deployment or item.condition is False or not isinstance(raw, dict):
                continue
            try:
                request, outer = self.nested_request(prepared, item, self.body(prepared, item), item.target)
                self.prepare(request, outer)
            except (TemplateError, DeploymentError) as exc:
                wire = as_wire(exc)
                failures.append(WireError(wire.code, wire.message, item.id if isinstance(item.id, str) else None,
                                          wire.details, wire.additional_info))
            except ExpressionError as exc:
                where = prepared.request.template.where(item.path)
                failures.append(TemplateError(errors.RESOURCE_INVALID, where, name=item.label, line=where.line,
                                              column=where.column, inner=exc.message).wire())
        if failures:
            codes = ",".join("BadRequest" for _ in failures)
            raise DeploymentError(errors.MULTIPLE, WireError(errors.MULTIPLE.code, errors.MULTIPLE.render(
                {"codes": codes}), details=failures))

    # evaluation helpers ---------------------------------------------------------------------------------
    def frame_of(self, prepared: Prepared, item: Planned) -> Frame:
        return replace(item.frame, phase=Phase.BODY, symbols=prepared.frame.symbols, runtime=self.runtime)

    def body(self, prepared: Prepared, item: Planned) -> dict[str, Any]:
        """The body the resource is written with (a nested deployment's template stays unevaluated)."""
        frame = self.frame_of(prepared, item)
        out: dict[str, Any] = {}
        for key, value in item.decl.items():
            if key.lower() in META_KEYS:
                continue
            if item.is_deployment and key.lower() == "properties" and isinstance(value, dict):
                out[key] = {k: resolve(v, frame) for k, v in value.items() if k != "template"}
            else:
                out[key] = resolve(value, frame, loops=key.lower() == "properties")
        return out

    def nested_request(self, prepared: Prepared, item: Planned, body: dict[str, Any],
                       target: Scope) -> tuple[Request, Frame | None]:
        props = body.get("properties") or {}
        link = props.get("templateLink") or props.get("parametersLink")
        if link is not None:
            raise DeploymentError(errors.CONTENT_LINK, WireError.of(errors.CONTENT_LINK, uri=(link or {}).get(
                "uri") or (link or {}).get("id") or ""))
        options = props.get("expressionEvaluationOptions") or {}
        inner = str(options.get("scope", "outer")).lower() == "inner"
        template = prepared.request.template.nested((*item.path, "properties", "template"),
                                                    item.decl["properties"]["template"])
        location = body.get("location") or (prepared.request.location if target.group is None else None)
        request = Request(str(item.name), target, template, (props.get("parameters") or {}) if inner else {},
                          location, str(props.get("mode") or "Incremental"))
        return request, None if inner else self.frame_of(prepared, item)

    # running ---------------------------------------------------------------------------------------------
    def run(self, request: Request, outer: Frame | None = None, correlation: str | None = None,
            top: bool = True) -> Outcome:
        outcome = Outcome(request.name, request.scope, request.location, request.template.body,
                          template_hash(request.template.body), {}, correlation or self.ids.guid(),
                          self.clock.now(), mode=request.mode, tags=request.tags)
        try:
            prepared = self.prepare(request, outer)
        except (TemplateError, DeploymentError) as exc:
            if top:
                raise
            return self._finish(outcome, as_wire(exc))
        outcome.parameters = prepared.parameters
        failures = Execution(self, prepared, outcome).run()
        if failures:
            return self._finish(outcome, WireError(errors.DEPLOYMENT_FAILED.code, errors.DEPLOYMENT_FAILED.message,
                                                   outcome.id, failures))
        self._outputs(prepared, outcome)
        return self._finish(outcome, outcome.error)

    def _outputs(self, prepared: Prepared, outcome: Outcome) -> None:
        if not prepared.request.template.section("outputs", dict):
            return
        started = self.clock.now()
        frame = replace(prepared.frame, runtime=self.runtime)
        try:
            outcome.outputs = evaluate_outputs(prepared.request.template, frame)
        except TemplateError as exc:
            names = exc.params.get("name", "")
            outcome.error = WireError(errors.OUTPUTS_FAILED.code, errors.OUTPUTS_FAILED.render({"names": names}),
                                      outcome.id, [WireError(errors.OUTPUTS_FAILED.code, exc.message, names)])
        outcome.operations.append(OperationRecord(
            self.ids.hex(8).upper(), "EvaluateDeploymentOutput", "Failed" if outcome.error else "Succeeded",
            400 if outcome.error else 200, self.clock.now(), self.clock.now() - started, self.ids.guid(),
            error=outcome.error.details[0] if outcome.error else None))

    def _finish(self, outcome: Outcome, error: WireError | None) -> Outcome:
        outcome.error = error
        outcome.state = "Failed" if error is not None else "Succeeded"
        outcome.ended = self.clock.now()
        outcome.output_resources = sorted(set(outcome.output_resources), key=str.lower)
        self.backend.save_deployment(outcome)
        return outcome
