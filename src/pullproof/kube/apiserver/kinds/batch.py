"""The ``batch`` group: Job and CronJob strategies after ``pkg/registry/batch/{job,cronjob}/strategy.go``,
``pkg/apis/batch/v1/defaults.go`` and ``pkg/apis/batch/validation/validation.go`` (1.32), with the
printers of ``pkg/printers/internalversion/printers.go``."""

from __future__ import annotations

import json
import re
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from pullproof.core.clock import parse_time
from pullproof.kube.apiserver import cronschedule, defaults
from pullproof.kube.apiserver.kinds.base import AdmissionContext, Obj, Strategy
from pullproof.kube.apiserver.printing.durations import Ages, human_duration
from pullproof.kube.apiserver.printing.printers import AGE, NAME, Column, Printer, selector_string
from pullproof.kube.apiserver.selectors import selector_matches
from pullproof.kube.apiserver.validation import LABEL_RE, Cause, _containers, invalid_value, required

CONTROLLER_UID, JOB_NAME = "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name"
LEGACY_UID, LEGACY_NAME = "controller-uid", "job-name"
MAX_INDEXED_PARALLELISM = 100000
TZ_PART = re.compile(r"^[A-Za-z\.\-_0-9+]{1,14}$")
COUNTS = ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished")


# defaults ------------------------------------------------------------------------------------------
def _template(spec: Obj) -> None:
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    defaults.pod_spec(template.setdefault("spec", {}))


def default_job(obj: Obj) -> None:
    """``SetDefaults_Job`` and the pod template's defaults."""
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    _template(spec)
    labels = (spec["template"].get("metadata") or {}).get("labels")
    if labels and not (obj.get("metadata") or {}).get("labels"):
        obj.setdefault("metadata", {})["labels"] = dict(labels)


def generate_selector(ctx: AdmissionContext, obj: Obj, current: Obj | None) -> None:
    """``generateSelectorIfNeeded`` on create: the uid is known before the object is stored, and the
    job's labels default to the template's (as the defaulting on each read of the stored job does)."""
    if current is not None:
        return
    meta, spec = obj["metadata"], obj["spec"]
    meta.setdefault("uid", ctx.ids.guid())
    if spec.get("manualSelector") is True:
        return
    labels = spec["template"]["metadata"].setdefault("labels", {})
    for key in (LEGACY_NAME, JOB_NAME):
        labels.setdefault(key, meta.get("name", ""))
    for key in (LEGACY_UID, CONTROLLER_UID):
        labels.setdefault(key, meta["uid"])
    selector = spec.get("selector") or {}
    selector.setdefault("matchLabels", {}).setdefault(CONTROLLER_UID, meta["uid"])
    spec["selector"] = selector
    if not meta.get("labels"):
        meta["labels"] = dict(labels)


def default_cronjob(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.setdefault("jobTemplate", {})
    job_template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    _template(job_template.setdefault("spec", {}))


# validation ----------------------------------------------------------------------------------------
def not_supported(field: str, value: Any, allowed: tuple[str, ...]) -> Cause:
    choices = ", ".join(json.dumps(a) for a in allowed)
    return Cause("FieldValueNotSupported", field,
                 f"Unsupported value: {json.dumps(value)}: supported values: {choices}")


def _go_selector(selector: Obj | None) -> str:
    if selector is None:
        return "null"
    labels = selector.get("matchLabels")
    shown = "map[string]string(nil)" if labels is None else \
        "map[string]string{" + ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(labels.items())) + "}"
    return f"v1.LabelSelector{{MatchLabels:{shown}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}"


def _job_spec(spec: Obj, path: str) -> list[Cause]:
    """``validateJobSpec``: counts, completion mode, the pod template and its restart policy."""
    causes = [invalid_value(f"{path}.{key}", spec[key], "must be greater than or equal to 0")
              for key in COUNTS if isinstance(spec.get(key), int) and spec[key] < 0]
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        causes.append(not_supported(f"{path}.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed":
        if spec.get("completions") is None:
            causes.append(required(f"{path}.completions", "when completion mode is Indexed"))
        if isinstance(spec.get("parallelism"), int) and spec["parallelism"] > MAX_INDEXED_PARALLELISM:
            causes.append(invalid_value(f"{path}.parallelism", spec["parallelism"],
                                        f"must be less than or equal to {MAX_INDEXED_PARALLELISM} when completion "
                                        "mode is Indexed"))
    pod_spec = (spec.get("template") or {}).get("spec") or {}
    causes += _containers(pod_spec, f"{path}.template.spec")
    restart = pod_spec.get("restartPolicy") or ""
    if restart in ("Always", ""):
        causes.append(required(f"{path}.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
    elif restart not in ("OnFailure", "Never"):
        causes.append(not_supported(f"{path}.template.spec.restartPolicy", restart, ("OnFailure", "Never")))
    return causes


def validate_job(obj: Obj) -> list[Cause]:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    causes: list[Cause] = []
    if spec.get("manualSelector") is not True:
        if labels is None:
            causes.append(required("spec.template.metadata.labels"))
        elif spec.get("selector") not in (None, {"matchLabels": {CONTROLLER_UID: meta.get("uid")}}):
            causes.append(Cause("FieldValueInvalid", "spec.selector",
                                f"Invalid value: {_go_selector(spec['selector'])}: `selector` not auto-generated"))
    causes += _job_spec(spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        causes.append(required("spec.selector"))
    elif not selector_matches(selector, labels or {}):
        causes.append(invalid_value("spec.template.metadata.labels", labels or {},
                                    "`selector` does not match template `labels`"))
    completions = spec.get("completions")
    if spec.get("completionMode") == "Indexed" and isinstance(completions, int) and completions > 0:
        hostname = f"{meta.get('name', '')}-{completions - 1}"
        if len(hostname) > 63 or not LABEL_RE.match(hostname):
            causes.append(invalid_value("metadata.name", meta.get("name", ""),
                                        f"will not able to create pod with invalid DNS label: {hostname}"))
    return causes


def _immutable(field: str, shown: str) -> Cause:
    return Cause("FieldValueInvalid", field, f"Invalid value: {shown}: field is immutable")


def validate_job_update(current: Obj, new: Obj) -> list[Cause]:
    old, spec = current.get("spec") or {}, new.get("spec") or {}
    causes: list[Cause] = []
    if spec.get("completions") != old.get("completions"):
        if spec.get("completionMode") != "Indexed":
            causes.append(_immutable("spec.completions", str(spec.get("completions", "null"))))
        elif spec.get("completions") is not None and spec.get("completions") != spec.get("parallelism"):
            causes.append(invalid_value("spec.completions", spec["completions"],
                                        "can only be modified in tandem with spec.parallelism"))
    if spec.get("selector") != old.get("selector"):
        causes.append(_immutable("spec.selector", _go_selector(spec.get("selector"))))
    if spec.get("template") != old.get("template"):
        causes.append(_immutable("spec.template", "core.PodTemplateSpec{...}"))
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"):
        if spec.get(key) != old.get(key):
            value = spec.get(key)
            causes.append(_immutable(f"spec.{key}", json.dumps(value) if isinstance(value, str) else "null"
                                     if value is None else str(value)))
    return causes


def _schedule(spec: Obj, old: Obj | None) -> list[Cause]:
    """``validateScheduleFormat``; ``TZ=`` is kept on update only where the stored schedule has it, and
    a create cannot store one, so here it is always refused."""
    schedule = str(spec.get("schedule") or "")
    if not schedule:
        return [required("spec.schedule")]
    causes = []
    try:
        cronschedule.parse(schedule)
    except cronschedule.CronError as exc:
        causes.append(invalid_value("spec.schedule", schedule, str(exc)))
    except (ZoneInfoNotFoundError, ValueError):
        pass
    allow_tz = old is not None and "TZ" in str(old.get("schedule") or "")
    if allow_tz and "TZ" in schedule and spec.get("timeZone") is not None:
        causes.append(invalid_value("spec.schedule", schedule,
                                    "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
    elif not allow_tz and "TZ" in schedule:
        causes.append(invalid_value("spec.schedule", schedule,
                                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    return causes


def _time_zone(value: Any) -> list[Cause]:
    """``validateTimeZone``."""
    if value is None:
        return []
    text = str(value)
    if not text:
        return [invalid_value("spec.timeZone", text, "timeZone must be nil or non-empty string")]
    for part in text.split("/"):
        if part in (".", "..") or part.startswith("-") or not TZ_PART.match(part):
            return [invalid_value("spec.timeZone", text, f"unknown time zone {text}")]
    if text.lower() == "local":
        return [invalid_value("spec.timeZone", text, "timeZone must be an explicit time zone as defined in "
                                                      "https://www.iana.org/time-zones")]
    try:
        cronschedule.zone(text)
    except (ZoneInfoNotFoundError, ValueError):
        return [invalid_value("spec.timeZone", text, f"unknown time zone {text}")]
    return []


def _cronjob_spec(spec: Obj, old: Obj | None) -> list[Cause]:
    causes = _schedule(spec, old)
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if isinstance(spec.get(key), int) and spec[key] < 0:
            causes.append(invalid_value(f"spec.{key}", spec[key], "must be greater than or equal to 0"))
    if old is None or old.get("timeZone") != spec.get("timeZone"):
        causes += _time_zone(spec.get("timeZone"))
    policy = spec.get("concurrencyPolicy") or ""
    if not policy:
        causes.append(required("spec.concurrencyPolicy"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        causes.append(not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace")))
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    causes += _job_spec(job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        causes.append(Cause("FieldValueInvalid", "spec.jobTemplate.spec.selector",
                            f"Invalid value: {_go_selector(job_spec['selector'])}: `selector` will be auto-generated"))
    if job_spec.get("manualSelector") is True:
        causes.append(Cause("FieldValueNotSupported", "spec.jobTemplate.spec.manualSelector",
                            'Unsupported value: true: supported values: "nil", "false"'))
    return causes


def validate_cronjob(obj: Obj) -> list[Cause]:
    name = str((obj.get("metadata") or {}).get("name") or "")
    causes = _cronjob_spec(obj.get("spec") or {}, None)
    if len(name) > 52:
        causes.append(invalid_value("metadata.name", name, "must be no more than 52 characters"))
    return causes


# printers ------------------------------------------------------------------------------------------
def condition(obj: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def job_status(obj: Obj) -> str:
    """``printJob``'s STATUS."""
    if condition(obj, "Complete"):
        return "Complete"
    if condition(obj, "Failed"):
        return "Failed"
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if condition(obj, kind):
            return kind
    return "Running"


def _containers_cells(spec: Obj) -> list[str]:
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            selector_string(spec.get("selector")) or "<none>"]


def _job_row(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = status.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif int(spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    duration = ""
    if status.get("startTime") and status.get("completionTime"):
        duration = human_duration(parse_time(status["completionTime"]) - parse_time(status["startTime"]))
    elif status.get("startTime"):
        duration = ages.since(status["startTime"])
    return [(obj.get("metadata") or {}).get("name", ""), job_status(obj), completions, duration,
            ages.since((obj.get("metadata") or {}).get("creationTimestamp")), *_containers_cells(spec)]


def _cronjob_row(obj: Obj, ages: Ages) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    suspend = spec.get("suspend")
    last = ages.since(status["lastScheduleTime"]) if status.get("lastScheduleTime") else "<none>"
    return [(obj.get("metadata") or {}).get("name", ""), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            "<unset>" if suspend is None else str(bool(suspend)), len(status.get("active") or []), last,
            ages.since((obj.get("metadata") or {}).get("creationTimestamp")),
            *_containers_cells(((spec.get("jobTemplate") or {}).get("spec")) or {})]


SELECTOR_DOC = ("A label query over pods that should match the pod count. Normally, the system sets this field for "
                "you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
                "#label-selectors")
WIDE = (Column("Containers", priority=1, description="Names of each container in the template."),
        Column("Images", priority=1, description="Images referenced by each container in the template."),
        Column("Selector", priority=1, description=SELECTOR_DOC))
JOB_PRINTER = Printer((NAME, Column("Status", description="Status of the job."),
                       Column("Completions", description="The number of pods which reached phase Succeeded. The "
                              "value increases monotonically for a given spec. However, it may decrease in reaction "
                              "to scale down of elastic indexed jobs."),
                       Column("Duration", description="Time required to complete the job."), AGE, *WIDE), _job_row)
CRONJOB_PRINTER = Printer((NAME, Column("Schedule", description="The schedule in Cron format, see "
                                        "https://en.wikipedia.org/wiki/Cron."),
                           Column("Timezone", description="The time zone name for the given schedule, see "
                                  "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
                           Column("Suspend", "boolean", "This flag tells the controller to suspend subsequent "
                                  "executions, it does not apply to already started executions.  Defaults to false."),
                           Column("Active", "integer", "A list of pointers to currently running jobs."),
                           Column("Last Schedule", description="Information when was the last time the job was "
                                  "successfully scheduled."), AGE, *WIDE), _cronjob_row)

STRATEGIES: dict[str, Strategy] = {
    "jobs.batch": Strategy(default=default_job, validate=validate_job, validate_update=validate_job_update,
                           printer=JOB_PRINTER, initial_status={}, mutate=(generate_selector,)),
    "cronjobs.batch": Strategy(default=default_cronjob, validate=validate_cronjob,
                               printer=CRONJOB_PRINTER, initial_status={}),
}
