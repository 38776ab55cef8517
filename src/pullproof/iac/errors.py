"""Wire errors of template deployments, and the nested ARM error objects they carry.

``TemplateError`` is an InvalidTemplate failure located in a template (rendered with the
``TemplateViolation`` additional info ARM sends); ``ExpressionError`` is a language-expression
failure that its caller locates; ``DeploymentError`` carries a complete error object (with
``details``/``target``) to the API. Messages marked "(ours)" have no verified Azure wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.core.errors import ErrorCode, ErrorRegistry, ServiceError

IAC = ErrorRegistry("arm", "ARM template deployments (Microsoft.Resources/deployments)")
FUNCTIONS_HELP = "Please see https://aka.ms/arm-functions for usage details."

# wrappers ------------------------------------------------------------------------------------------------
VALIDATION_FAILED = IAC.register(
    "validation_failed", "InvalidTemplate", 400, "Deployment template validation failed: '{detail}'.",
    "Preflight validation of the template (or its parameters) failed; additionalInfo locates it.")
RESOURCE_INVALID = IAC.register(
    "resource_invalid", "InvalidTemplate", 400,
    "The template resource '{name}' at line '{line}' and column '{column}' is not valid: {inner}. " + FUNCTIONS_HELP,
    "An expression of a resource could not be evaluated during validation.")
VARIABLE_INVALID = IAC.register(
    "variable_invalid", "InvalidTemplate", 400, "The template variable '{name}' is not valid: {inner}. "
    + FUNCTIONS_HELP, "A variable's expression could not be evaluated.")
OUTPUT_INVALID = IAC.register(
    "output_invalid", "InvalidTemplate", 400, "The template output '{name}' is not valid: {inner}. " + FUNCTIONS_HELP,
    "An output's expression could not be evaluated.")
PARAMETER_INVALID = IAC.register(
    "parameter_invalid", "InvalidTemplate", 400, "The template parameter '{name}' is not valid: {inner}. "
    + FUNCTIONS_HELP, "A parameter's default value could not be evaluated (ours).")
RUNTIME_EXPRESSION = IAC.register(
    "runtime_expression", "InvalidTemplate", 400,
    "Unable to process template language expressions for resource '{id}' at line '{line}' and column '{column}'. "
    "'{inner}'", "An expression of a resource's body failed while the deployment ran.")

# expressions ---------------------------------------------------------------------------------------------
UNKNOWN_FUNCTION = IAC.register(
    "unknown_function", "InvalidTemplate", 400, "The template function '{name}' is not valid. " + FUNCTIONS_HELP,
    "An expression calls a function ARM does not have.")
FUNCTION_NOT_HERE = IAC.register(
    "function_not_here", "InvalidTemplate", 400,
    "The template function '{name}' is not expected at this location. " + FUNCTIONS_HELP,
    "utcNow/newGuid outside parameter defaults, reference/list* outside resources and outputs, and similar.")
SYNTAX = IAC.register(
    "syntax", "InvalidTemplate", 400,
    "The language expression '{expression}' is not valid: the string character '{char}' at position '{position}' "
    "is not expected.", "A bracket expression does not parse.")
SYNTAX_END = IAC.register(
    "syntax_end", "InvalidTemplate", 400,
    "The language expression '{expression}' is not valid: the expression is incomplete (ours).",
    "A bracket expression ends early (unterminated string or call).")
NO_PROPERTY = IAC.register(
    "no_property", "InvalidTemplate", 400,
    "The language expression property '{name}' doesn't exist, available properties are '{available}'.",
    "A member access names a property the object does not have.")
NO_INDEX = IAC.register(
    "no_index", "InvalidTemplate", 400, "The language expression property array index '{index}' is out of bounds.",
    "An index is outside the array.")
BAD_ACCESS = IAC.register(
    "bad_access", "InvalidTemplate", 400,
    "The language expression property '{name}' can't be evaluated, property name must be a string.",
    "A member access on a value that is not an object, or an index of the wrong type.")
ARG_COUNT = IAC.register(
    "arg_count", "InvalidTemplate", 400,
    "The template language function '{name}' must have {expected} parameter(s). The function was invoked with "
    "'{got}' parameter(s). " + FUNCTIONS_HELP, "A function was called with the wrong number of arguments (ours).")
ARG_TYPE = IAC.register(
    "arg_type", "InvalidTemplate", 400,
    "The template language function '{name}' expects its parameter to be of type '{expected}'. The provided value "
    "is of type '{actual}'. " + FUNCTIONS_HELP, "A function argument has the wrong type.")
ARG_VALUE = IAC.register(
    "arg_value", "InvalidTemplate", 400, "The template language function '{name}' is not valid: {reason} "
    + FUNCTIONS_HELP, "A function argument has the right type but an unusable value (ours).")
PARAMETER_NOT_FOUND = IAC.register(
    "parameter_not_found", "InvalidTemplate", 400,
    "The template parameter '{name}' is not found. Please see https://aka.ms/arm-syntax-parameters for usage "
    "details.", "parameters('x') names no declared parameter.")
VARIABLE_NOT_FOUND = IAC.register(
    "variable_not_found", "InvalidTemplate", 400,
    "The template variable '{name}' is not found. Please see https://aka.ms/arm-syntax-variables for usage details.",
    "variables('x') names no declared variable.")
VARIABLE_CYCLE = IAC.register(
    "variable_cycle", "InvalidTemplate", 400,
    "The template variable '{name}' is not valid: it references itself through '{chain}' (ours).",
    "Variables reference each other in a circle.")

EXPRESSION_LENGTH = IAC.register(
    "expression_length", "InvalidTemplate", 400,
    "The language expression length limit exceeded. Limit: '{limit}' and actual: '{actual}'.",
    "A bracket expression longer than 81,920 characters.")
EXPRESSION_DEPTH = IAC.register(
    "expression_depth", "InvalidTemplate", 400,
    "The language expression nesting limit exceeded. Limit: '{limit}' (ours).",
    "A bracket expression nests calls, member or index accesses deeper than 128 levels.")
VALUE_LIMIT = IAC.register(
    "value_limit", "InvalidTemplate", 400,
    "The template language function '{name}' is not valid: the value it builds exceeds the limit of '{limit}' "
    "characters, array items and object properties (ours).",
    "A function would build a string, array or object larger than 1,048,576 (ranges: 10,000 items).")
VALUE_DEPTH = IAC.register(
    "value_depth", "InvalidTemplate", 400,
    "The template language function '{name}' is not valid: the value it builds nests arrays and objects deeper "
    "than '{limit}' levels (ours).", "A function would build a value nested deeper than 128 levels.")
KEPT_LIMIT = IAC.register(
    "kept_limit", "InvalidTemplate", 400,
    "The template variables and outputs limit exceeded. Limit: '{limit}' characters, array items and object "
    "properties in total (ours).", "The variables and outputs of a deployment hold more than 16,777,216 characters "
    "and nodes together.")
STEPS_LIMIT = IAC.register(
    "steps_limit", "InvalidTemplate", 400,
    "The template evaluation limit exceeded. Limit: '{limit}' evaluation steps (ours).",
    "Evaluating the template (expression nodes, values built and scanned, lambda calls) took more than 1,000,000 "
    "steps.")
USER_FUNCTION_CALL = IAC.register(
    "user_function_call", "InvalidTemplate", 400,
    "The template function '{name}' is not valid: a user-defined function cannot call another user-defined "
    "function ('{callee}') (ours). " + FUNCTIONS_HELP,
    "A user-defined function calls a user-defined function (allowed only in languageVersion 2.0 templates).")
USER_FUNCTION_CYCLE = IAC.register(
    "user_function_cycle", "InvalidTemplate", 400,
    "The template function '{name}' is not valid: it calls itself through '{chain}' (ours). " + FUNCTIONS_HELP,
    "User-defined functions call each other in a circle (languageVersion 2.0).")

# parameters -------------------------------------------------------------------------------------------
PARAMETER_MISSING = IAC.register(
    "parameter_missing", "InvalidTemplate", 400,
    "The value for the template parameter '{name}' at line '{line}' and column '{column}' is not provided. "
    "Please see https://aka.ms/arm-create-parameter-file for usage details.",
    "A parameter without defaultValue got no value.")
PARAMETER_TYPE = IAC.register(
    "parameter_type", "InvalidTemplate", 400,
    "Template parameter JToken type is not valid. Expected '{expected}'. Actual '{actual}'. Please see "
    "https://aka.ms/arm-create-parameter-file for usage details.", "A parameter value has the wrong JSON type.")
PARAMETER_BAD_TYPE = IAC.register(
    "parameter_bad_type", "InvalidTemplate", 400,
    "The template parameter '{name}' at line '{line}' and column '{column}' has an invalid type '{type}'. Valid "
    "types are 'String, SecureString, Int, Bool, Object, SecureObject, Array' (ours).",
    "A declared parameter type is unknown.")
PARAMETER_NOT_ALLOWED = IAC.register(
    "parameter_not_allowed", "InvalidTemplate", 400,
    "The provided value '{value}' for the template parameter '{name}' at line '{line}' and column '{column}' is not "
    "valid. The parameter value is not part of the allowed value(s): '{allowed}'. Please see "
    "https://aka.ms/arm-syntax-parameters for usage details.", "A value outside allowedValues.")
PARAMETER_RANGE = IAC.register(
    "parameter_range", "InvalidTemplate", 400,
    "The provided value for the template parameter '{name}' at line '{line}' and column '{column}' is not valid. "
    "{rule} Please see https://aka.ms/arm-syntax-parameters for usage details.",
    "A value breaks minLength/maxLength/minValue/maxValue.")
PARAMETERS_EXTRA = IAC.register(
    "parameters_extra", "InvalidTemplate", 400,
    "The template parameters '{names}' in the parameters file are not valid; they are not present in the original "
    "template and can therefore not be provided at deployment time. The only supported parameters for this "
    "template are '{supported}'. Please see https://aka.ms/arm-pass-parameter-values for usage details.",
    "Values were given for parameters the template does not declare.")
PARAMETER_REFERENCE = IAC.register(
    "parameter_reference", "InvalidTemplate", 400,
    "The template parameter '{name}' uses a Key Vault reference, which pullproof does not emulate (ours).",
    "Key Vault parameter references need a vault.")

# resources and structure ---------------------------------------------------------------------------------
NAME_EMPTY = IAC.register(
    "name_empty", "InvalidTemplate", 400,
    "The template resource '' at line '{line}' and column '{column}' is not valid. The name property cannot be null "
    "or empty. Please see https://aka.ms/arm-syntax-resources for usage details.", "A resource has no name.")
SEGMENTS = IAC.register(
    "segments", "InvalidTemplate", 400,
    "The template resource '{name}' for type '{type}' at line '{line}' and column '{column}' has incorrect segment "
    "lengths. A nested resource type must have identical number of segments as its resource name. A root resource "
    "type must have segment length one greater than its resource name. Please see "
    "https://aka.ms/arm-syntax-resources for usage details.", "Name and type segment counts do not match.")
RESOURCE_FIELD = IAC.register(
    "resource_field", "InvalidTemplate", 400,
    "The template resource '{name}' at line '{line}' and column '{column}' is not valid: {reason} Please see "
    "https://aka.ms/arm-syntax-resources for usage details.", "A resource lacks type/apiVersion or has a bad field.")
DUPLICATE = IAC.register(
    "duplicate", "InvalidTemplate", 400,
    "The resource '{id}' at line '{line}' and column '{column}' is defined multiple times in a template. Please see "
    "https://aka.ms/arm-syntax-resources for usage details.", "Two resources (or copies) have the same id.")
NOT_DEFINED = IAC.register(
    "not_defined", "InvalidTemplate", 400,
    "The resource '{name}' is not defined in the template. Please see https://aka.ms/arm-syntax for usage details.",
    "A dependsOn entry matches no resource of the template.")
CIRCULAR = IAC.register(
    "circular", "InvalidTemplate", 400,
    "Circular dependency detected on resource: '{id}'. Please see https://aka.ms/arm-syntax-resources for usage "
    "details.", "dependsOn entries form a cycle.")
COPY_COUNT = IAC.register(
    "copy_count", "InvalidTemplate", 400,
    "The template 'copy' definition at line '{line}' and column '{column}' has an invalid copy count. The copy "
    "count must be a positive integer value and cannot exceed '{limit}'. Please see https://aka.ms/arm-copy for "
    "usage details.", "A resource copy loop count is not an integer in 0..800.")
COPY_INVALID = IAC.register(
    "copy_invalid", "InvalidTemplate", 400,
    "The template 'copy' definition has an invalid copy count. The copy count must be a positive integer value and "
    "cannot exceed '{limit}'", "A property, variable or output copy loop count is not an integer in 0..800 (the "
    "wrapper error locates it).")
RESOURCES_LIMIT = IAC.register(
    "resources_limit", "InvalidTemplate", 400,
    "The number of template resources limit exceeded. Limit: '{limit}' and actual: '{actual}'. Please see "
    "https://aka.ms/arm-template/#resources for usage details.",
    "A template declares more than 800 resources, copies counted.")
PARAMETERS_LIMIT = IAC.register(
    "parameters_limit", "InvalidTemplate", 400,
    "The number of template parameters limit exceeded. Limit: '{limit}' and actual: '{actual}'. Please see "
    "https://aka.ms/arm-template/#parameters for usage details.",
    "More than 256 parameters (wording follows the resources message; unverified).")
VARIABLES_LIMIT = IAC.register(
    "variables_limit", "InvalidTemplate", 400,
    "The number of template variables limit exceeded. Limit: '{limit}' and actual: '{actual}'. Please see "
    "https://aka.ms/arm-template/#variables for usage details.",
    "More than 512 variables, copy variables counted (wording follows the resources message; unverified).")
OUTPUTS_LIMIT = IAC.register(
    "outputs_limit", "InvalidTemplate", 400,
    "The number of template outputs limit exceeded. Limit: '{limit}' and actual: '{actual}'. Please see "
    "https://aka.ms/arm-template/#outputs for usage details.",
    "More than 64 outputs (wording follows the resources message; unverified).")
TEMPLATE_SIZE = IAC.register(
    "template_size", "DeploymentJobSizeExceeded", 400,
    "The size of the deployment template, '{size}' bytes with its copy loops expanded, exceeds the limit of "
    "'{limit}' bytes. Please see https://aka.ms/arm-template/#template-limits for usage details (ours).",
    "A template larger than 4 MB once its resource copies are expanded.")
TEMPLATE_DEPTH = IAC.register(
    "template_depth", "InvalidTemplate", 400,
    "The template is not valid: it nests objects and arrays deeper than '{limit}' levels at '{path}' (ours). "
    "Please see https://aka.ms/arm-syntax for usage details.", "A template nested deeper than 128 levels.")
TEMPLATE_SHAPE = IAC.register(
    "template_shape", "InvalidTemplate", 400,
    "The template is not valid: {reason} Please see https://aka.ms/arm-syntax for usage details.",
    "A template section has the wrong JSON type (ours).")
OUTPUT_TYPE = IAC.register(
    "output_type", "InvalidTemplate", 400,
    "The template output '{name}' is not valid: Template output JToken type is not valid. Expected '{expected}'. "
    "Actual '{actual}'. Please see https://aka.ms/arm-syntax-outputs for usage details.",
    "An output value does not have its declared type.")

# deployments ---------------------------------------------------------------------------------------------
DEPLOYMENT_FAILED = IAC.register(
    "deployment_failed", "DeploymentFailed", 400,
    "At least one resource deployment operation failed. Please list deployment operations for details. Please see "
    "https://aka.ms/arm-deployment-operations for usage details.", "Some resource of the deployment failed.")
NESTED_FAILED = IAC.register(
    "nested_failed", "ResourceDeploymentFailure", 400,
    "The 'AzureAsyncOperationWaiting' resource operation completed with terminal provisioning state 'Failed'.",
    "A nested deployment ended Failed.")
MULTIPLE = IAC.register(
    "multiple", "MultipleErrorsOccurred", 400, "Multiple error occurred: {codes}. Please see details.",
    "Validation of nested templates failed.")
INVALID_DEPLOYMENT = IAC.register(
    "invalid_deployment", "InvalidTemplateDeployment", 400,
    "The template deployment '{name}' is not valid according to the validation procedure. The tracking id is "
    "'{tracking}'. See inner errors for details.", "Preflight of a resource failed.")
OUTPUTS_FAILED = IAC.register(
    "outputs_failed", "DeploymentOutputEvaluationFailed", 400,
    "Unable to evaluate template outputs: '{names}'. Please see error details and deployment operations. Please see "
    "https://aka.ms/arm-common-errors for usage details.", "Every resource deployed but an output failed.")
NAME_TOO_LONG = IAC.register(
    "name_too_long", "DeploymentNameLengthLimitExceeded", 400,
    "The provided deployment name '{name}' has a length of '{length}' which exceeds the maximum length of '64'. "
    "Please see https://aka.ms/arm-deploy-resources for usage details.", "A deployment name over 64 characters.")
DEPLOYMENT_NOT_FOUND = IAC.register(
    "deployment_not_found", "DeploymentNotFound", 404, "Deployment '{name}' could not be found.",
    "No deployment of that name at the scope.")
DEPLOYMENT_LOCATION = IAC.register(
    "deployment_location", "InvalidDeploymentLocation", 400,
    "Invalid deployment location '{new}'. The deployment '{name}' already exists in location '{old}'.",
    "A subscription deployment is re-run in another location.")
CONTENT_LINK = IAC.register(
    "content_link", "InvalidContentLink", 400,
    "Unable to download deployment content from '{uri}'. pullproof runs offline: send the template inline.",
    "templateLink/parametersLink (URLs or template specs) cannot be fetched offline (ours).")
BAD_MODE = IAC.register(
    "bad_mode", "InvalidDeploymentMode", 400,
    "The deployment mode '{mode}' is not valid for a deployment at scope '{scope}' (ours).",
    "Complete mode outside a resource group, or an unknown mode.")
TEMPLATE_REQUIRED = IAC.register(
    "template_required", "InvalidRequestContent", 400,
    "The request content was invalid and could not be deserialized: 'Required property 'template' or "
    "'templateLink' not found in JSON. Path 'properties'.'.", "The body has no template.")


@dataclass
class WireError:
    """One ARM error object (``code``, ``target``, ``message``, ``details``, ``additionalInfo``)."""

    code: str
    message: str
    target: str | None = None
    details: list[WireError] = field(default_factory=list)
    additional_info: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code}
        if self.target is not None:
            body["target"] = self.target
        body["message"] = self.message
        if self.details:
            body["details"] = [d.to_json() for d in self.details]
        if self.additional_info:
            body["additionalInfo"] = self.additional_info
        return body

    @classmethod
    def of(cls, code: ErrorCode, target: str | None = None, **params: Any) -> WireError:
        return cls(code.code, code.render(params), target)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> WireError:
        return cls(str(body.get("code", "")), str(body.get("message", "")), body.get("target"),
                   [cls.from_json(d) for d in body.get("details") or []], list(body.get("additionalInfo") or []))


@dataclass(frozen=True)
class Where:
    """Where in the request body a template element is: Newtonsoft path and 1-based position (0 = unknown)."""

    path: str
    line: int = 0
    column: int = 0


class ExpressionError(ServiceError):
    """A language-expression failure; whoever evaluated it adds the template location."""


class TemplateError(ServiceError):
    """An InvalidTemplate failure at ``where``."""

    def __init__(self, code: ErrorCode, where: Where | None = None, **params: Any) -> None:
        super().__init__(code, **params)
        self.where = where or Where("")

    def error_object(self) -> dict[str, Any]:
        return self.wire().to_json()

    def wire(self) -> WireError:
        info = {"lineNumber": self.where.line, "linePosition": self.where.column, "path": self.where.path}
        detail = self.message
        return WireError("InvalidTemplate", VALIDATION_FAILED.render({"detail": detail}),
                         additional_info=[{"type": "TemplateViolation", "info": info}])


class DeploymentError(ServiceError):
    """A complete ARM error object answered with ``code.status``."""

    def __init__(self, code: ErrorCode, wire: WireError) -> None:
        self.wire = wire
        super().__init__(code)

    @property
    def message(self) -> str:
        return self.wire.message

    def error_object(self) -> dict[str, Any]:
        return self.wire.to_json()


def as_wire(error: ServiceError) -> WireError:
    if isinstance(error, DeploymentError):
        return error.wire
    if isinstance(error, TemplateError):
        return error.wire()
    return WireError(error.code.code, error.message)
