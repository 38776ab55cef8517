"""The ARM template of a compiled file (Bicep's ``TemplateWriter``), array-form dialect.

Key order follows Bicep: ``$schema, contentVersion, metadata, parameters, variables, resources,
outputs``. ``metadata._generator`` is ``{"name": "bicep", "version": GENERATOR_VERSION, "templateHash"}``
where the hash is ``pullproof.iac.hashes.template_hash`` of the template without the hash (the same
function the deployment engine reports), not Azure's own algorithm.
"""

from __future__ import annotations

from typing import Any

from pullproof.iac.hashes import template_hash

from . import ast as A
from .convert import Converter
from .emit_resources import emit_module, emit_resource
from .model import Model, ResourceInfo
from .types import output_type, param_properties
from .values import copy_object, emit_value

GENERATOR_VERSION = "0.38.5.0"
SCHEMA_BASE = "https://schema.management.azure.com/schemas/"
SCHEMAS = {
    "resourceGroup": SCHEMA_BASE + "2019-04-01/deploymentTemplate.json#",
    "subscription": SCHEMA_BASE + "2018-05-01/subscriptionDeploymentTemplate.json#",
    "managementGroup": SCHEMA_BASE + "2019-08-01/managementGroupDeploymentTemplate.json#",
    "tenant": SCHEMA_BASE + "2019-08-01/tenantDeploymentTemplate.json#",
}


def emit_template(model: Model) -> dict[str, Any]:
    conv = Converter(model)
    template: dict[str, Any] = {
        "$schema": SCHEMAS[model.target_scope],
        "contentVersion": "1.0.0.0",
        "metadata": _metadata(conv),
    }
    if model.params:
        template["parameters"] = {name: param_properties(conv, decl) for name, decl in model.params.items()}
    variables = _variables(conv)
    if variables:
        template["variables"] = variables
    resources = [emit_resource(conv, info) for info in _emission_order(model) if not info.existing]
    resources += [emit_module(conv, module) for module in model.modules.values()]
    template["resources"] = resources
    if model.outputs:
        template["outputs"] = {name: _output(conv, decl) for name, decl in model.outputs.items()}
    template["metadata"]["_generator"]["templateHash"] = template_hash(template)
    return template


def _emission_order(model: Model) -> list[ResourceInfo]:
    """Bicep's order: the nested resources of each top-level resource (children before their parent),
    then the top-level resources, each group in declaration order."""
    def descendants(info: ResourceInfo) -> list[ResourceInfo]:
        return [d for child in info.children.values() for d in (*descendants(child), child)]

    tops = model.top_resources()
    return [d for info in tops for d in descendants(info)] + tops


def _metadata(conv: Converter) -> dict[str, Any]:
    out: dict[str, Any] = {"_generator": {"name": "bicep", "version": GENERATOR_VERSION}}
    for decl in conv.model.program.of(A.MetadataDecl):
        out[decl.name] = emit_value(conv, decl.value)
    return out


def _variables(conv: Converter) -> dict[str, Any]:
    model = conv.model
    loops: list[dict[str, Any]] = []
    plain: dict[str, Any] = {}
    for name, decl in model.variables.items():
        _check_variable(conv, decl)
        if name in model.inline_vars:
            continue
        if isinstance(decl.value, A.ForExpr):
            loops.append(copy_object(conv, name, decl.value))
        else:
            plain[name] = emit_value(conv, decl.value)
    return ({"copy": loops} if loops else {}) | plain


def _check_variable(conv: Converter, decl: A.VarDecl) -> None:
    if decl.type is not None:
        raise conv.error("typed variables need languageVersion 2.0 (not supported by pullproof's compiler)", decl.type)
    for deco in decl.decorators:
        if deco.name != "description":
            raise conv.error(f"decorator '@{deco.name}' is not supported on a variable by pullproof's compiler", deco)


def _output(conv: Converter, decl: A.OutputDecl) -> dict[str, Any]:
    out = output_type(conv, decl)
    if isinstance(decl.value, A.ForExpr):
        out["copy"] = copy_object(conv, None, decl.value, copy_index=None)
    else:
        out["value"] = emit_value(conv, decl.value)
    return out
