"""``pullproof build`` and ``pullproof deploy``: Bicep to ARM JSON, and deployments into pullproof.

With a running emulator, ``deploy`` goes through its ARM deployments API over HTTPS, as ``az``
would (so the running process sees what it creates: clusters start their nodes); without one, it
deploys into the data dir in process."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import typer

from pullproof.arm.models import DEPLOYMENT_TYPE
from pullproof.bicep import build as build_bicep
from pullproof.bicep.errors import BicepError
from pullproof.cli.context import DataDir, open_emulator, runtime, settings_for
from pullproof.core.errors import ServiceError
from pullproof.core.tls import trusting
from pullproof.iac import deploy_template, operator_caller
from pullproof.iac.requests import typed_parameters

EXIT_FAILED, EXIT_USAGE = 1, 2
API = "2025-04-01"


def load_template(path: Path) -> dict[str, Any]:
    try:
        if path.suffix == ".bicep":
            return dict(build_bicep(path))
        return dict(json.loads(path.read_text("utf-8")))
    except BicepError as exc:
        typer.echo(f"ERROR: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except (OSError, ValueError) as exc:
        typer.echo(f"ERROR: {path}: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except RecursionError:
        typer.echo(f"ERROR: {path}: the JSON nests too deeply to be read", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def build_command(path: Path, outfile: Path | None = typer.Option(None, "--outfile")) -> None:
    """Print (or write) the ARM JSON that Bicep emits for FILE.bicep."""
    text = json.dumps(load_template(path), indent=2) + "\n"
    if outfile is None:
        typer.echo(text, nl=False)
    else:
        outfile.write_text(text, "utf-8")


def _pairs(values: list[str]) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            typer.echo(f"ERROR: --param takes k=v, not {item!r}", err=True)
            raise typer.Exit(EXIT_USAGE)
        pairs[key] = value
    return pairs


def deploy_command(path: Path, resource_group: str | None = typer.Option(None, "--resource-group", "-g"),
                   location: str | None = typer.Option(None, "--location", "-l"),
                   param: list[str] = typer.Option([], "--param", help="k=v (repeatable)"),
                   name: str | None = typer.Option(None, "--name", "-n"), data_dir: Path | None = DataDir) -> None:
    """Deploy FILE.bicep or FILE.json at resource-group (-g) or subscription (-l) scope."""
    if (resource_group is None) == (location is None):
        typer.echo("ERROR: give --resource-group for a group deployment or --location for a subscription one",
                   err=True)
        raise typer.Exit(EXIT_USAGE)
    template = load_template(path)
    settings = settings_for(data_dir)
    info = runtime(settings)
    emulator = open_emulator(data_dir, must_exist=False)
    parameters = typed_parameters(template, _pairs(param))
    sub = f"/subscriptions/{emulator.operator.subscription_id}"
    scope = f"{sub}/resourceGroups/{resource_group}" if resource_group else sub
    deployment = name or path.stem
    if info is not None:
        result = _over_http(emulator.operator, str(info["direct"]), str(emulator.ca.cert_path), scope, deployment,
                            template, parameters, location)
    else:
        try:
            result = deploy_template(emulator, operator_caller(emulator), scope, deployment, template, parameters,
                                     location)
        except ServiceError as exc:
            typer.echo(f"ERROR: ({exc.code.code}) {exc.message}", err=True)
            raise typer.Exit(EXIT_FAILED) from None
        finally:
            emulator.close()
    _report(result)


def _over_http(op: Any, direct: str, ca: str, scope: str, name: str, template: dict[str, Any],
               parameters: dict[str, Any], location: str | None) -> dict[str, Any]:
    with httpx.Client(base_url=direct, verify=trusting(ca), timeout=120) as http:
        token = http.post(f"/{op.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": op.client_id, "client_secret": op.client_secret,
            "scope": "https://management.core.windows.net//.default"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{scope}/providers/{DEPLOYMENT_TYPE}/{name}"
        body: dict[str, Any] = {"properties": {"mode": "Incremental", "template": template,
                                               "parameters": {k: {"value": v} for k, v in parameters.items()}}}
        if location:
            body["location"] = location
        put = http.put(url, params={"api-version": API}, json=body, headers=headers)
        if put.status_code >= 400:
            typer.echo(f"ERROR: {put.text}", err=True)
            raise typer.Exit(EXIT_FAILED)
        poll = put.headers.get("azure-asyncoperation")
        deadline = time.monotonic() + 300
        while poll and time.monotonic() < deadline:
            status = http.get(poll, headers=headers).json().get("status", "")
            if status.lower() in {"succeeded", "failed", "canceled"}:
                break
            time.sleep(float(put.headers.get("retry-after", "1")))
        return dict(http.get(url, params={"api-version": API}, headers=headers).json())


def _report(result: dict[str, Any]) -> None:
    props = result.get("properties", {})
    typer.echo(json.dumps({"name": result.get("name"), "provisioningState": props.get("provisioningState"),
                           "outputs": props.get("outputs"), "error": props.get("error")}, indent=2))
    if str(props.get("provisioningState")) != "Succeeded":
        raise typer.Exit(EXIT_FAILED)
