"""Typed syntax tree of a Bicep file (the subset pullproof compiles). Every node knows its position."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .errors import Pos


@dataclass(frozen=True)
class Node:
    pos: Pos = field(compare=False)


# ---- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Str(Node):
    value: str


@dataclass(frozen=True)
class Interp(Node):
    """``'a${x}b'``: ``segments`` has one more element than ``exprs``."""

    segments: tuple[str, ...]
    exprs: tuple[Expr, ...]


@dataclass(frozen=True)
class Int(Node):
    value: int


@dataclass(frozen=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True)
class Null(Node):
    pass


@dataclass(frozen=True)
class Ref(Node):
    """An identifier: parameter, variable, resource, module or loop/lambda local."""

    name: str


@dataclass(frozen=True)
class Prop(Node):
    key: Str | Interp
    value: Expr


@dataclass(frozen=True)
class Spread(Node):
    value: Expr


@dataclass(frozen=True)
class Obj(Node):
    items: tuple[Prop | Spread | ResourceDecl, ...]

    def get(self, key: str) -> Expr | None:
        for item in self.items:
            if isinstance(item, Prop) and isinstance(item.key, Str) and item.key.value == key:
                return item.value
        return None

    def props(self) -> list[Prop]:
        return [item for item in self.items if isinstance(item, Prop)]


@dataclass(frozen=True)
class Arr(Node):
    items: tuple[Expr | Spread, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Ternary(Node):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Expr, ...]
    namespace: str | None = None


@dataclass(frozen=True)
class Member(Node):
    base: Expr
    name: str
    safe: bool = False


@dataclass(frozen=True)
class Index(Node):
    base: Expr
    index: Expr
    safe: bool = False
    from_end: bool = False


@dataclass(frozen=True)
class MethodCall(Node):
    """``res.listKeys()`` (a resource function)."""

    base: Expr
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class ChildAccess(Node):
    """``parent::child`` (a nested resource reached from outside its parent)."""

    base: Expr
    name: str


@dataclass(frozen=True)
class NonNull(Node):
    base: Expr


@dataclass(frozen=True)
class Lambda(Node):
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True)
class ForExpr(Node):
    item: str
    index: str | None
    iterable: Expr
    body: Expr


@dataclass(frozen=True)
class IfBody(Node):
    cond: Expr
    body: Obj


Expr = (
    Str | Interp | Int | Bool | Null | Ref | Obj | Arr | Unary | Binary | Ternary | Call | Member | Index
    | MethodCall | ChildAccess | NonNull | Lambda | ForExpr | IfBody
)


# ---- types and declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class TypeRef(Node):
    """A type after ``param x`` / ``output x``; ``kind`` is 'name', 'resource', 'literal', 'array',
    'nullable', 'union' or 'object'."""

    kind: str
    name: str = ""
    items: tuple[TypeRef, ...] = ()


@dataclass(frozen=True)
class Decorator(Node):
    name: str
    args: tuple[Expr, ...]
    namespace: str | None = None


@dataclass(frozen=True)
class Decl(Node):
    name: str
    decorators: tuple[Decorator, ...] = field(default=(), kw_only=True)

    def decorator(self, name: str) -> Decorator | None:
        for deco in self.decorators:
            if deco.name == name and deco.namespace in (None, "sys", "az"):
                return deco
        return None


@dataclass(frozen=True)
class ParamDecl(Decl):
    type: TypeRef
    default: Expr | None


@dataclass(frozen=True)
class VarDecl(Decl):
    value: Expr
    type: TypeRef | None = None


@dataclass(frozen=True)
class OutputDecl(Decl):
    type: TypeRef
    value: Expr


@dataclass(frozen=True)
class ResourceDecl(Decl):
    type_string: str
    existing: bool
    value: Expr  # Obj | IfBody | ForExpr


@dataclass(frozen=True)
class ModuleDecl(Decl):
    path: Str | Interp
    value: Expr  # Obj | IfBody | ForExpr


@dataclass(frozen=True)
class TargetScopeDecl(Decl):
    value: Expr


@dataclass(frozen=True)
class MetadataDecl(Decl):
    value: Expr


Statement = ParamDecl | VarDecl | OutputDecl | ResourceDecl | ModuleDecl | TargetScopeDecl | MetadataDecl


@dataclass(frozen=True)
class Program:
    path: Path
    statements: tuple[Statement, ...]

    def of(self, kind: type[D]) -> list[D]:
        return [s for s in self.statements if isinstance(s, kind)]


D = TypeVar("D", bound=Decl)
