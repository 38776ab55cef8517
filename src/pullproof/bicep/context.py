"""The converter as the helpers of ``convert.py`` see it (resource and module references, ``load*``
functions, values, types, dependencies): a Protocol, so they need not import the converter that
calls them."""

from __future__ import annotations

from typing import Protocol

from . import ast as A
from .armexpr import ArmExpr
from .errors import BicepError
from .model import Model, ResourceInfo


class ConvertContext(Protocol):
    """Converts Bicep expressions to ARM ones in one context (loop and lambda variables bound)."""

    @property
    def model(self) -> Model: ...

    @property
    def locals(self) -> dict[str, ArmExpr]: ...

    @property
    def param_default(self) -> bool: ...

    def error(self, message: str, node: A.Node) -> BicepError:
        """A located compile error (to raise)."""
        ...

    def top(self) -> ConvertContext:
        """The top-level context: no local variables, no enclosing resource declarations."""
        ...

    def in_param_default(self) -> ConvertContext:
        """This context for a parameter's default value (where ``utcNow()``/``newGuid()`` are allowed)."""
        ...

    def within(self, chain: tuple[ResourceInfo, ...]) -> ConvertContext:
        """This context inside the nest of resource declarations ``chain`` (nested names resolve there)."""
        ...

    def with_locals(self, **values: ArmExpr) -> ConvertContext: ...

    def convert(self, e: A.Expr) -> ArmExpr: ...

    def call(self, e: A.Call) -> ArmExpr: ...

    def key(self, key: A.Str | A.Interp) -> ArmExpr: ...
