"""The semantic model of one Bicep file: its symbols, resources (with parents and scopes) and modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ast as A
from .errors import BicepError, Pos

SCOPES = ("resourceGroup", "subscription", "managementGroup", "tenant")


@dataclass
class ScopeData:
    """Where a resource or module goes (Bicep's ``ScopeHelper.ScopeData``); expressions are Bicep syntax."""

    kind: str  # one of SCOPES, or 'resource' for an extension resource
    sub: A.Expr | None = None
    rg: A.Expr | None = None
    mg: A.Expr | None = None
    resource: ResourceInfo | None = None
    index: A.Expr | None = None
    owner: ResourceInfo | None = None  # the resource group/management group resource sub/rg/mg come from


@dataclass(eq=False)
class Body:
    """A resource or module value with its loop and condition unwrapped."""

    obj: A.Obj
    condition: A.Expr | None = None
    loop: A.ForExpr | None = None

    @classmethod
    def of(cls, value: A.Expr, where: Any) -> Body:
        loop = value if isinstance(value, A.ForExpr) else None
        inner = loop.body if loop is not None else value
        condition = inner.cond if isinstance(inner, A.IfBody) else None
        obj = inner.body if isinstance(inner, A.IfBody) else inner
        if not isinstance(obj, A.Obj):
            raise where.error("the body of a resource or module must be an object", value.pos)
        return cls(obj, condition, loop)


@dataclass(eq=False)
class ResourceInfo:
    symbol: str  # 'parent::child' for nested resources
    decl: A.ResourceDecl
    full_type: str
    api_version: str
    body: Body
    parent: ResourceInfo | None = None
    parent_index: A.Expr | None = None  # 'parent: p[i]' for a looped parent
    nested: bool = False
    children: dict[str, ResourceInfo] = field(default_factory=dict)
    scope: ScopeData = field(default_factory=lambda: ScopeData("resourceGroup"))

    @property
    def existing(self) -> bool:
        return self.decl.existing

    @property
    def name_expr(self) -> A.Expr:
        name = self.body.obj.get("name")
        assert name is not None  # checked when the model is built
        return name

    def nest_chain(self) -> tuple[ResourceInfo, ...]:
        """This resource and the resources it is syntactically nested in, outermost first."""
        nodes = [self]
        while nodes[-1].nested and nodes[-1].parent is not None:
            nodes.append(nodes[-1].parent)
        return tuple(reversed(nodes))

    def ancestors(self) -> list[ResourceInfo]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


@dataclass(eq=False)
class ModuleInfo:
    symbol: str
    decl: A.ModuleDecl
    body: Body
    template: dict[str, Any]
    child: Model
    scope: ScopeData


@dataclass(eq=False)
class Model:
    program: A.Program
    target_scope: str = "resourceGroup"
    params: dict[str, A.ParamDecl] = field(default_factory=dict)
    variables: dict[str, A.VarDecl] = field(default_factory=dict)
    resources: dict[str, ResourceInfo] = field(default_factory=dict)  # every resource, by qualified symbol
    modules: dict[str, ModuleInfo] = field(default_factory=dict)
    outputs: dict[str, A.OutputDecl] = field(default_factory=dict)
    inline_vars: set[str] = field(default_factory=set)

    @property
    def path(self) -> Path:
        return self.program.path

    def error(self, message: str, pos: Pos) -> BicepError:
        return BicepError.at(message, self.path, pos)

    def top_resources(self) -> list[ResourceInfo]:
        return [info for info in self.resources.values() if "::" not in info.symbol]

    def symbol_kind(self, name: str) -> str | None:
        for kind, table in (("param", self.params), ("var", self.variables), ("module", self.modules)):
            if name in table:
                return kind
        return "resource" if name in self.resources else None
