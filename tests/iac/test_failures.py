"""Bad templates and deployments that fail midway: each error as ARM words it, located where ARM
locates it, and what a failed deployment leaves behind."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.core.errors import ServiceError
from pullproof.iac.errors import DeploymentError, TemplateError, as_wire
from pullproof.identity.models import Caller
from pullproof.rbac.service import NewAssignment
from tests.arm.support import new_principal, role_id
from tests.conftest import Local
from tests.iac.support import ACR_PULL, MSI, deploy, identity, pretty, registry, template

MISSING = "00000000-1111-2222-3333-444444444444"


def _position(text: str, needle: str) -> tuple[int, int]:
    """Line and column of the character after ``needle`` (an opening brace), 1-based."""
    index = text.index(needle) + len(needle) - 1
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _rg(local: Local, caller: Caller, name: str = "rg") -> None:
    local.emulator.arm.put_group(caller, local.emulator.operator.subscription_id, name, {"location": "eastus"})


def _fail(local: Local, caller: Caller, body: dict[str, Any] | str, params: dict[str, Any] | None = None,
          **kwargs: Any) -> dict[str, Any]:
    with pytest.raises((TemplateError, DeploymentError)) as caught:
        deploy(local, caller, body, params, **kwargs)
    return as_wire(caught.value).to_json()


def test_missing_parameter_names_line_and_column(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    text = pretty(template(parameters={"acrName": {"type": "string"}}, resources=[registry("[parameters('acrName')]")]))
    line, column = _position(text, '"acrName": {')
    error = _fail(local, caller, text)
    assert error == {"code": "InvalidTemplate", "message": (
        f"Deployment template validation failed: 'The value for the template parameter 'acrName' at line '{line}' "
        f"and column '{column}' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage "
        "details.'."), "additionalInfo": [{"type": "TemplateViolation", "info": {
            "lineNumber": line, "linePosition": column, "path": "parameters.acrName"}}]}


@pytest.mark.parametrize(("declared", "value", "expected", "actual"), [
    ("int", "three", "Integer", "String"), ("bool", "true", "Boolean", "String"),
    ("string", 5, "String, Uri", "Integer"), ("array", {"a": 1}, "Array", "Object"),
    ("object", [1], "Object", "Array")])
def test_wrong_parameter_types(local: Local, caller: Caller, declared: str, value: Any, expected: str,
                               actual: str) -> None:
    _rg(local, caller)
    error = _fail(local, caller, template(parameters={"p": {"type": declared}}), {"p": value})
    assert error["message"] == (f"Deployment template validation failed: 'Template parameter JToken type is not "
                                f"valid. Expected '{expected}'. Actual '{actual}'. Please see "
                                "https://aka.ms/arm-create-parameter-file for usage details.'.")
    assert error["additionalInfo"][0]["info"]["path"] == "properties.template.parameters.p"


def test_parameter_constraints_and_unknown_parameters(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    body = template(parameters={"sku": {"type": "string", "allowedValues": ["Basic", "Premium"]},
                                "name": {"type": "string", "minLength": 5, "defaultValue": "abcde"}})
    assert "The parameter value is not part of the allowed value(s): 'Basic, Premium'." in _fail(
        local, caller, body, {"sku": "Gold"})["message"]
    assert "Length of the value should be greater than or equal to '5'." in _fail(
        local, caller, body, {"sku": "Basic", "name": "abc"})["message"]
    message = _fail(local, caller, body, {"sku": "Basic", "nmae": "x"})["message"]
    assert message == ("Deployment template validation failed: 'The template parameters 'nmae' in the parameters file "
                       "are not valid; they are not present in the original template and can therefore not be "
                       "provided at deployment time. The only supported parameters for this template are 'sku, "
                       "name'. Please see https://aka.ms/arm-pass-parameter-values for usage details.'.")


def test_unknown_function_names_the_resource_line_and_column(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    text = pretty(template(resources=[identity("[foo('bar')]")]))
    line, column = _position(text, '"resources": [\n    {')
    error = _fail(local, caller, text)
    assert error["message"] == (
        f"Deployment template validation failed: 'The template resource '[foo('bar')]' at line '{line}' and column "
        f"'{column}' is not valid: The template function 'foo' is not valid. Please see https://aka.ms/arm-functions "
        "for usage details.. Please see https://aka.ms/arm-functions for usage details.'.")
    assert error["additionalInfo"][0]["info"] == {"lineNumber": line, "linePosition": column,
                                                  "path": "resources[0]"}


def test_unknown_function_in_variables_and_outputs(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    assert "The template variable 'v' is not valid: The template function 'nope' is not valid." in _fail(
        local, caller, template(variables={"v": "[nope()]"}))["message"]
    assert "The template output 'o' is not valid: The template function 'nope' is not valid." in _fail(
        local, caller, template(outputs={"o": {"type": "string", "value": "[nope()]"}}))["message"]


def test_expression_syntax_error(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    message = _fail(local, caller, template(variables={"v": "[concat('a' 'b')]"}))["message"]
    assert ("The template variable 'v' is not valid: The language expression 'concat('a' 'b')' is not valid: the "
            "string character ''' at position '11' is not expected.") in message


def test_utc_now_outside_parameter_defaults(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    message = _fail(local, caller, template(variables={"v": "[utcNow()]"}))["message"]
    assert "The template function 'UTCNOW' is not expected at this location." in message


def test_circular_dependency(local: Local, caller: Caller, sub: str) -> None:
    _rg(local, caller)
    body = template(resources=[{**identity("a"), "dependsOn": ["b"]}, {**identity("b"), "dependsOn": ["c"]},
                               {**identity("c"), "dependsOn": ["a"]}])
    error = _fail(local, caller, body)
    assert error["message"] == (
        f"Deployment template validation failed: 'Circular dependency detected on resource: '/subscriptions/{sub}/"
        f"resourceGroups/rg/providers/{MSI}/a'. Please see https://aka.ms/arm-syntax-resources for usage details.'.")
    assert local.emulator.arm_store.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/a") is None


def test_depends_on_a_resource_not_in_the_template(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    error = _fail(local, caller, template(resources=[{**identity("a"), "dependsOn": ["ghost"]}]))
    assert "The resource 'ghost' is not defined in the template." in error["message"]


@pytest.mark.parametrize(("resource", "fragment"), [
    ({"type": MSI, "apiVersion": "2023-01-31", "name": "", "location": "eastus"},
     "The name property cannot be null or empty."),
    ({"type": MSI, "apiVersion": "2023-01-31", "name": "a/b", "location": "eastus"},
     "has incorrect segment lengths."),
    ({**identity("dup")}, "is defined multiple times in a template."),
    ({**identity("x"), "copy": {"name": "c", "count": 801}},
     "has an invalid copy count. The copy count must be a positive integer value and cannot exceed '800'."),
])
def test_malformed_resources(local: Local, caller: Caller, resource: dict[str, Any], fragment: str) -> None:
    _rg(local, caller)
    resources = [resource, identity("dup")] if resource.get("name") == "dup" else [resource]
    assert fragment in _fail(local, caller, template(resources=resources))["message"]


def test_failure_midway_keeps_what_was_deployed(local: Local, caller: Caller, sub: str) -> None:
    """A role assignment for a principal that does not exist, without principalType: PrincipalNotFound."""
    _rg(local, caller)
    role = f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{ACR_PULL}')]"
    body = template(resources=[
        identity("first"),
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('ghost')]",
         "properties": {"roleDefinitionId": role, "principalId": MISSING}, "dependsOn": ["first"]},
        {**identity("after-failure"), "dependsOn": ["[guid('ghost')]"]},
        identity("independent")], outputs={"never": {"type": "string", "value": "x"}})
    result = deploy(local, caller, body)
    props = result["properties"]
    deployment_id = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/main"
    tenant = local.emulator.operator.tenant_id
    assert props["provisioningState"] == "Failed"
    assert props["error"] == {
        "code": "DeploymentFailed", "target": deployment_id,
        "message": "At least one resource deployment operation failed. Please list deployment operations for details. "
                   "Please see https://aka.ms/arm-deployment-operations for usage details.",
        "details": [{"code": "PrincipalNotFound", "message": (
            f"Principal {MISSING.replace('-', '')} does not exist in the directory {tenant}. Check that you have the "
            "correct principal ID. If you are creating this principal and then immediately assigning a role, this "
            "error might be related to a replication delay. In this case, set the role assignment principalType "
            "property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype")}]}
    rg = f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}"
    assert local.emulator.arm_store.get(f"{rg}/first") is not None
    assert local.emulator.arm_store.get(f"{rg}/independent") is not None
    assert local.emulator.arm_store.get(f"{rg}/after-failure") is None
    assert "outputs" not in props
    failed = [op for op in local.emulator.arm_store.get(deployment_id).body["_operations"]  # type: ignore[union-attr]
              if op["properties"]["provisioningState"] == "Failed"]
    assert [(op["properties"]["statusCode"], op["properties"]["statusMessage"]["error"]["code"]) for op in failed] == [
        ("BadRequest", "PrincipalNotFound")]


def test_nested_failure_is_wrapped_as_resource_deployment_failure(local: Local, caller: Caller, sub: str) -> None:
    _rg(local, caller)
    role = f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
    inner = template(resources=[{"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                                 "name": "[guid('ghost')]", "properties": {"roleDefinitionId": role,
                                                                           "principalId": MISSING}}])
    body = template(resources=[{"type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01",
                                "name": "inner", "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                                                                "mode": "Incremental", "template": inner}}])
    error = deploy(local, caller, body)["properties"]["error"]
    nested = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Resources/deployments/inner"
    assert error["details"][0]["code"] == "ResourceDeploymentFailure"
    assert error["details"][0]["target"] == nested
    assert error["details"][0]["message"] == ("The 'AzureAsyncOperationWaiting' resource operation completed with "
                                              "terminal provisioning state 'Failed'.")
    assert error["details"][0]["details"][0]["code"] == "DeploymentFailed"
    assert error["details"][0]["details"][0]["details"][0]["code"] == "PrincipalNotFound"


def test_nested_template_errors_fail_validation(local: Local, caller: Caller, sub: str) -> None:
    _rg(local, caller)
    inner = template(parameters={"needed": {"type": "string"}})
    body = template(resources=[{"type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01",
                                "name": "inner", "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                                                                "mode": "Incremental", "template": inner}}])
    error = _fail(local, caller, body)
    assert error["code"] == "MultipleErrorsOccurred"
    assert error["details"][0]["code"] == "InvalidTemplate"
    assert error["details"][0]["target"] == (f"/subscriptions/{sub}/resourceGroups/rg/providers/"
                                             "Microsoft.Resources/deployments/inner")
    assert "The value for the template parameter 'needed'" in error["details"][0]["message"]


def test_reference_to_a_missing_resource_fails_that_resource(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    body = template(resources=[{**identity("a"), "tags": {
        "x": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ghost')).principalId]"}}])
    error = deploy(local, caller, body)["properties"]["error"]
    assert error["details"][0]["code"] == "ResourceNotFound"


def test_runtime_expression_errors_are_located(local: Local, caller: Caller, sub: str) -> None:
    _rg(local, caller)
    text = pretty(template(resources=[identity("a", tags={"x": "[createObject('a', 1).b]"})]))
    line, column = _position(text, '"resources": [\n    {')
    detail = deploy(local, caller, text)["properties"]["error"]["details"][0]
    assert detail == {"code": "InvalidTemplate", "message": (
        f"Unable to process template language expressions for resource '/subscriptions/{sub}/resourceGroups/rg/"
        f"providers/{MSI}/a' at line '{line}' and column '{column}'. 'The language expression property 'b' doesn't "
        "exist, available properties are 'a'.'")}


def test_rbac_is_enforced_on_the_deployment_and_each_resource(local: Local, caller: Caller, sub: str) -> None:
    _rg(local, caller)
    reader = new_principal(local, "reader-app")
    contributor = new_principal(local, "contributor-app")
    rbac = local.emulator.rbac
    for who, role in ((reader, "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
                      (contributor, "b24988ac-6180-42a0-ab88-20f7382dd24c")):
        rbac.create(NewAssignment(f"/subscriptions/{sub}", local.emulator.ids.guid(), role_id(sub, role),
                                  who.object_id, "ServicePrincipal"), None)
    tenant = local.emulator.operator.tenant_id
    as_reader = Caller(reader.object_id, tenant, reader.client_id, "app", reader.client_id, {})
    with pytest.raises(ServiceError) as denied:
        deploy(local, as_reader, template(resources=[identity("a")]))
    assert denied.value.code.code == "AuthorizationFailed"
    assert "'Microsoft.Resources/deployments/write'" in denied.value.message
    as_contributor = Caller(contributor.object_id, tenant, contributor.client_id, "app", contributor.client_id, {})
    body = template(resources=[identity("kubelet"), {
        "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('c')]",
        "properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}",
                       "principalId": "[reference('kubelet').principalId]", "principalType": "ServicePrincipal"},
        "dependsOn": ["kubelet"]}])
    error = deploy(local, as_contributor, body)["properties"]["error"]
    assert [d["code"] for d in error["details"]] == ["AuthorizationFailed"]
    assert "'Microsoft.Authorization/roleAssignments/write'" in error["details"][0]["message"]
    assert local.emulator.arm_store.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/kubelet") is not None


def test_missing_resource_group_and_location(local: Local, caller: Caller) -> None:
    with pytest.raises(ServiceError, match=r"Resource group 'nowhere' could not be found\."):
        deploy(local, caller, template(), group="nowhere")
    with pytest.raises(ServiceError, match="The location property is required"):
        from pullproof.iac import deploy_template

        deploy_template(local.emulator, caller, f"/subscriptions/{local.emulator.operator.subscription_id}",
                        "x", template(), {}, None)


def test_unemulated_resource_types_fail_preflight(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    storage = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st1",
               "location": "eastus", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    lock = {"type": "Microsoft.Authorization/locks", "apiVersion": "2020-05-01", "name": "nodelete",
            "properties": {"level": "CanNotDelete"}}
    error = _fail(local, caller, template(resources=[identity("a"), storage, lock]))
    assert error["code"] == "InvalidTemplateDeployment"
    assert error["message"].startswith("The template deployment 'main' is not valid according to the validation "
                                       "procedure. The tracking id is '")
    assert [(d["code"], d["message"]) for d in error["details"]] == [
        ("InvalidResourceNamespace", "The resource namespace 'Microsoft.Storage' is invalid."),
        ("InvalidResourceType", "The resource type 'locks' could not be found in the namespace "
                                "'Microsoft.Authorization' for api version '2020-05-01'.")]
    assert local.emulator.arm_store.get(
        f"/subscriptions/{local.emulator.operator.subscription_id}/resourceGroups/rg/providers/{MSI}/a") is None


def test_deployment_names_are_at_most_64_characters(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    with pytest.raises(ServiceError) as caught:
        deploy(local, caller, template(), name="d" * 65)
    assert caught.value.code.code == "DeploymentNameLengthLimitExceeded"


def test_variables_referring_to_each_other_in_a_circle(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    error = _fail(local, caller, template(variables={"a": "[variables('b')]", "b": "[concat(variables('a'), 'x')]"}))
    assert "The template variable 'a' is not valid: it references itself through 'a -> b -> a'" in error["message"]
    assert error["additionalInfo"][0]["info"]["path"] == "properties.template.variables.b"


def test_subscription_deployment_cannot_move_location(local: Local, caller: Caller) -> None:
    deploy(local, caller, template(), group=None, location="eastus")
    with pytest.raises(ServiceError) as caught:
        deploy(local, caller, template(), group=None, location="West US")
    assert caught.value.message == ("Invalid deployment location 'westus'. The deployment 'main' already exists in "
                                    "location 'eastus'.")


def test_outputs_that_cannot_be_evaluated_fail_the_deployment(local: Local, caller: Caller, sub: str) -> None:
    _rg(local, caller)
    body = template(resources=[identity("alpha")], outputs={"ghost": {"type": "string", "value": (
        "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ghost')).principalId]")}})
    props = deploy(local, caller, body)["properties"]
    assert props["provisioningState"] == "Failed"
    assert props["error"]["code"] == "DeploymentOutputEvaluationFailed"
    assert props["error"]["details"][0]["message"].startswith("The template output 'ghost' is not valid: The Resource "
                                                              f"'{MSI}/ghost' under resource group 'rg' was not found.")
    assert local.emulator.arm_store.get(f"/subscriptions/{sub}/resourceGroups/rg/providers/{MSI}/alpha") is not None


def test_a_condition_that_fails_to_evaluate_fails_its_resource(local: Local, caller: Caller) -> None:
    _rg(local, caller)
    body = template(resources=[identity("alpha"), {**identity("beta"), "condition": (
        "[equals(reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ghost')).x, 1)]")}])
    props = deploy(local, caller, body)["properties"]
    assert [d["code"] for d in props["error"]["details"]] == ["ResourceNotFound"]
