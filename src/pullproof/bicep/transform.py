"""lark parse tree → ``ast`` nodes (one method per grammar rule or alias)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from lark import Token, Transformer, v_args
from lark.tree import Meta

from . import ast as A
from .errors import BicepError, Pos

OPERATORS = {"EQ": "==", "NEQ": "!=", "EQI": "=~", "NEQI": "!~", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}


def _pos(meta: Meta) -> Pos:
    return Pos(getattr(meta, "line", 0), getattr(meta, "column", 0))


def _tpos(tok: Token) -> Pos:
    return Pos(tok.line or 0, tok.column or 0)


@v_args(meta=True)
class ToAst(Transformer[Token, Any]):
    """Builds the typed tree; ``path`` only locates errors."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    # ---- program and declarations ----
    def start(self, meta: Meta, children: list[A.Statement]) -> A.Program:
        return A.Program(self.path, tuple(children))

    def statement(self, meta: Meta, children: list[Any]) -> A.Statement:
        *decorators, decl = children
        statement: A.Statement = replace(decl, decorators=tuple(decorators))
        return statement

    def nested_resource(self, meta: Meta, children: list[Any]) -> A.ResourceDecl:
        *decorators, decl = children
        resource: A.ResourceDecl = replace(decl, decorators=tuple(decorators))
        return resource

    def decorator(self, meta: Meta, children: list[Any]) -> A.Decorator:
        (namespace, name), args = children[0], (children[1] if len(children) > 1 else ())
        return A.Decorator(_pos(meta), name, tuple(args), namespace=namespace)

    def dotted_name(self, meta: Meta, children: list[Token]) -> tuple[str | None, str]:
        return (None, str(children[0])) if len(children) == 1 else (str(children[0]), str(children[1]))

    def param_decl(self, meta: Meta, c: list[Any]) -> A.ParamDecl:
        return A.ParamDecl(_pos(meta), str(c[0]), c[1], c[2] if len(c) > 2 else None)

    def var_decl(self, meta: Meta, c: list[Any]) -> A.VarDecl:
        return A.VarDecl(_pos(meta), str(c[0]), c[-1], c[1] if len(c) > 2 else None)

    def output_decl(self, meta: Meta, c: list[Any]) -> A.OutputDecl:
        return A.OutputDecl(_pos(meta), str(c[0]), c[1], c[2])

    def resource_decl(self, meta: Meta, c: list[Any]) -> A.ResourceDecl:
        existing = len(c) == 5
        return A.ResourceDecl(_pos(meta), str(c[1]), str(c[2]), existing, c[-1])

    def module_decl(self, meta: Meta, c: list[Any]) -> A.ModuleDecl:
        return A.ModuleDecl(_pos(meta), str(c[1]), c[2], c[3])

    def target_scope(self, meta: Meta, c: list[Any]) -> A.TargetScopeDecl:
        return A.TargetScopeDecl(_pos(meta), "targetScope", c[1])

    def metadata_decl(self, meta: Meta, c: list[Any]) -> A.MetadataDecl:
        return A.MetadataDecl(_pos(meta), str(c[1]), c[2])

    def if_body(self, meta: Meta, c: list[Any]) -> A.IfBody:
        return A.IfBody(_pos(meta), c[1], c[2])

    # ---- types ----
    def type_atom(self, meta: Meta, c: list[Any]) -> A.TypeRef:
        pos = _pos(meta)
        if isinstance(c[0], A.TypeRef):
            return c[0]
        first = c[0]
        if len(c) == 2 and first.type == "IDENT" and c[1].type == "STRING":
            if str(first) != "resource":
                raise BicepError(f"unexpected string after type '{first}'", self.path, pos.line, pos.column)
            return A.TypeRef(pos, "resource", str(c[1]))
        if len(c) == 2:
            return A.TypeRef(pos, "name", f"{c[0]}.{c[1]}")
        if first.type == "IDENT":
            return A.TypeRef(pos, "name", str(first))
        return A.TypeRef(pos, "literal", str(first))

    def object_type(self, meta: Meta, c: list[Any]) -> A.TypeRef:
        return A.TypeRef(_pos(meta), "object")

    def array_type(self, meta: Meta, c: list[Any]) -> A.TypeRef:
        return A.TypeRef(_pos(meta), "array", items=(c[0],))

    def nullable_type(self, meta: Meta, c: list[Any]) -> A.TypeRef:
        return A.TypeRef(_pos(meta), "nullable", items=(c[0],))

    def union_type(self, meta: Meta, c: list[Any]) -> A.TypeRef:
        return A.TypeRef(_pos(meta), "union", items=tuple(c))

    # ---- expressions ----
    def ternary(self, meta: Meta, c: list[Any]) -> A.Ternary:
        return A.Ternary(_pos(meta), c[0], c[1], c[2])

    def binop(self, meta: Meta, c: list[Any]) -> A.Binary:
        op: Token = c[1]
        return A.Binary(_tpos(op), OPERATORS.get(op.type, str(op)), c[0], c[2])

    def unop(self, meta: Meta, c: list[Any]) -> A.Expr:
        op: Token = c[0]
        if op.type == "MINUS" and isinstance(c[1], A.Int):
            return A.Int(_pos(meta), -c[1].value)
        return A.Unary(_pos(meta), str(op), c[1])

    def member(self, meta: Meta, c: list[Any]) -> A.Member:
        return A.Member(_pos(meta), c[0], c[1])

    def safe_member(self, meta: Meta, c: list[Any]) -> A.Member:
        return A.Member(_pos(meta), c[0], c[2], safe=True)

    def index(self, meta: Meta, c: list[Any]) -> A.Index:
        return A.Index(_pos(meta), c[0], c[1])

    def index_from_end(self, meta: Meta, c: list[Any]) -> A.Index:
        return A.Index(_pos(meta), c[0], c[2], from_end=True)

    def safe_index(self, meta: Meta, c: list[Any]) -> A.Index:
        return A.Index(_pos(meta), c[0], c[2], safe=True)

    def method_call(self, meta: Meta, c: list[Any]) -> A.Expr:
        args = tuple(c[2]) if len(c) > 2 else ()
        if isinstance(c[0], A.Ref) and c[0].name in ("az", "sys"):
            return A.Call(_pos(meta), c[1], args, namespace=c[0].name)
        return A.MethodCall(_pos(meta), c[0], c[1], args)

    def child_access(self, meta: Meta, c: list[Any]) -> A.ChildAccess:
        return A.ChildAccess(_pos(meta), c[0], str(c[1]))

    def non_null(self, meta: Meta, c: list[Any]) -> A.NonNull:
        return A.NonNull(_pos(meta), c[0])

    def member_name(self, meta: Meta, c: list[Token]) -> str:
        return str(c[0])

    def int_lit(self, meta: Meta, c: list[Token]) -> A.Int:
        return A.Int(_pos(meta), int(c[0]))

    def true_lit(self, meta: Meta, c: list[Token]) -> A.Bool:
        return A.Bool(_pos(meta), True)

    def false_lit(self, meta: Meta, c: list[Token]) -> A.Bool:
        return A.Bool(_pos(meta), False)

    def null_lit(self, meta: Meta, c: list[Token]) -> A.Null:
        return A.Null(_pos(meta))

    def ref(self, meta: Meta, c: list[Token]) -> A.Ref:
        return A.Ref(_pos(meta), str(c[0]))

    def call(self, meta: Meta, c: list[Any]) -> A.Call:
        return A.Call(_pos(meta), str(c[0]), tuple(c[1]) if len(c) > 1 else ())

    def paren(self, meta: Meta, c: list[Any]) -> A.Expr:
        return c[0]  # type: ignore[no-any-return]

    def plain_string(self, meta: Meta, c: list[Token]) -> A.Str:
        return A.Str(_pos(meta), str(c[0]))

    def interp_string(self, meta: Meta, c: list[Any]) -> A.Interp:
        segments = tuple(str(tok) for tok in c[0::2])
        return A.Interp(_pos(meta), segments, tuple(c[1::2]))

    def arguments(self, meta: Meta, c: list[A.Expr]) -> list[A.Expr]:
        return c

    def lambda_expr(self, meta: Meta, c: list[Any]) -> A.Lambda:
        return A.Lambda(_pos(meta), tuple(str(t) for t in c[:-1]), c[-1])

    def object(self, meta: Meta, c: list[Any]) -> A.Obj:
        return A.Obj(_pos(meta), tuple(c))

    def property(self, meta: Meta, c: list[Any]) -> A.Prop:
        return A.Prop(_pos(meta), c[0], c[1])

    def key_ident(self, meta: Meta, c: list[Token]) -> A.Str:
        return A.Str(_pos(meta), str(c[0]))

    def spread(self, meta: Meta, c: list[Any]) -> A.Spread:
        return A.Spread(_pos(meta), c[0])

    def array(self, meta: Meta, c: list[Any]) -> A.Arr:
        return A.Arr(_pos(meta), tuple(c))

    def for_expr(self, meta: Meta, c: list[Any]) -> A.ForExpr:
        item, index = c[1]
        return A.ForExpr(_pos(meta), item, index, c[2], c[3])

    def for_vars(self, meta: Meta, c: list[Token]) -> tuple[str, str | None]:
        return (str(c[0]), str(c[1]) if len(c) > 1 else None)
