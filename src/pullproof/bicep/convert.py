"""Bicep expressions → ARM expressions (Bicep's ``ExpressionConverter``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import ast as A
from . import functions as F
from . import resources as R
from .armexpr import ArmExpr, Fn, append, fn, lit
from .errors import BicepError
from .loadfns import load_function
from .model import Model, ModuleInfo, ResourceInfo

INT32 = 2**31
BINARY = {
    "||": "or", "&&": "and", "==": "equals", "<": "less", "<=": "lessOrEquals", ">": "greater",
    ">=": "greaterOrEquals", "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "??": "coalesce",
}
SAFE_FUNCTIONS = ("tryGet", "tryIndexFromEnd")


@dataclass(frozen=True)
class Converter:
    """Converts in one context: ``locals`` maps loop/lambda variables to their ARM replacement,
    ``chain`` is the nest of resource declarations being emitted (nested resource names resolve there)."""

    model: Model
    locals: dict[str, ArmExpr] = field(default_factory=dict)
    chain: tuple[ResourceInfo, ...] = ()
    param_default: bool = False

    def error(self, message: str, node: A.Node) -> BicepError:
        return self.model.error(message, node.pos)

    def top(self) -> Converter:
        return Converter(self.model, param_default=self.param_default)

    def in_param_default(self) -> Converter:
        return replace(self, param_default=True)

    def within(self, chain: tuple[ResourceInfo, ...]) -> Converter:
        return replace(self, chain=chain)

    def with_locals(self, **values: ArmExpr) -> Converter:
        return replace(self, locals={**self.locals, **values})

    def convert(self, e: A.Expr) -> ArmExpr:
        if isinstance(e, A.Str):
            return lit(e.value)
        if isinstance(e, A.Int):
            return lit(e.value) if -INT32 <= e.value < INT32 else fn("json", lit(str(e.value)))
        if isinstance(e, A.Bool):
            return fn("true" if e.value else "false")
        if isinstance(e, A.Null):
            return fn("null")
        if isinstance(e, A.Interp):
            return self.interpolation(e)
        if isinstance(e, A.Ref):
            return self.reference(e)
        if isinstance(e, (A.Obj, A.Arr)):
            return self.collection(e)
        if isinstance(e, (A.Unary, A.Binary, A.Ternary)):
            return self.operator(e)
        if isinstance(e, A.Call):
            return self.call(e)
        if isinstance(e, (A.Member, A.Index)):
            return self.access(e)
        if isinstance(e, A.MethodCall):
            return self.method(e)
        if isinstance(e, A.ChildAccess):
            return self.whole_resource(e)
        if isinstance(e, A.NonNull):
            return self.convert(e.base)
        if isinstance(e, A.ForExpr):
            raise self.error("a for-expression is only allowed as the value of a variable, output, property or "
                             "module parameter, or as a resource/module body", e)
        raise self.error(f"{type(e).__name__.lower()} is not allowed here", e)

    # ---- literals and operators ----
    def interpolation(self, e: A.Interp) -> Fn:
        pieces = [seg.replace("{", "{{").replace("}", "}}") for seg in e.segments]
        template = "".join(p + (f"{{{i}}}" if i < len(e.exprs) else "") for i, p in enumerate(pieces))
        return Fn("format", (lit(template), *(self.convert(x) for x in e.exprs)))

    def collection(self, e: A.Obj | A.Arr) -> ArmExpr:
        chunks: list[ArmExpr] = []
        current: list[ArmExpr] = []
        spread = False
        for item in e.items:
            if isinstance(item, A.Spread):
                spread = True
                if current:
                    chunks.append(self._literal(e, current))
                    current = []
                chunks.append(self.convert(item.value))
            elif isinstance(item, A.Prop):
                current += [self.key(item.key), self.convert(item.value)]
            elif isinstance(item, A.ResourceDecl):
                raise self.error("a nested resource is only allowed in a resource body", item)
            else:
                current.append(self.convert(item))
        if current or not chunks:
            chunks.append(self._literal(e, current))
        if not spread:
            return chunks[0]
        return fn("shallowMerge" if isinstance(e, A.Obj) else "flatten", Fn("createArray", tuple(chunks)))

    @staticmethod
    def _literal(e: A.Obj | A.Arr, args: list[ArmExpr]) -> Fn:
        return Fn("createObject" if isinstance(e, A.Obj) else "createArray", tuple(args))

    def key(self, key: A.Str | A.Interp) -> ArmExpr:
        return lit(key.value) if isinstance(key, A.Str) else self.interpolation(key)

    def operator(self, e: A.Unary | A.Binary | A.Ternary) -> Fn:
        if isinstance(e, A.Ternary):
            return fn("if", self.convert(e.cond), self.convert(e.then), self.convert(e.other))
        if isinstance(e, A.Unary):
            operand = self.convert(e.operand)
            return fn("not", operand) if e.op == "!" else fn("sub", lit(0), operand)
        left, right = self.convert(e.left), self.convert(e.right)
        if e.op == "!=":
            return fn("not", fn("equals", left, right))
        if e.op in ("=~", "!~"):
            same = fn("equals", fn("toLower", left), fn("toLower", right))
            return same if e.op == "=~" else fn("not", same)
        return fn(BINARY[e.op], left, right)

    # ---- symbols ----
    def reference(self, e: A.Ref) -> ArmExpr:
        if e.name in self.locals:
            return self.locals[e.name]
        if (nested := self.nested_resource(e.name)) is not None:
            return R.whole_resource(self, nested, None)
        kind = self.model.symbol_kind(e.name)
        if kind == "param":
            return fn("parameters", lit(e.name))
        if kind == "var":
            if e.name in self.model.inline_vars:
                return replace(self, locals={}, chain=()).convert(self.model.variables[e.name].value)
            return fn("variables", lit(e.name))
        if kind in ("resource", "module"):
            return self.whole_resource(e)
        if e.name in ("az", "sys"):
            raise self.error(f"'{e.name}' is a namespace: call one of its functions, e.g. {e.name}.resourceGroup()", e)
        raise self.error(f"the name '{e.name}' does not exist in the current context", e)

    def nested_resource(self, name: str) -> ResourceInfo | None:
        for info in reversed(self.chain):
            if name in info.children:
                return info.children[name]
        return None

    def resource_target(self, e: A.Expr) -> tuple[ResourceInfo, ArmExpr | None] | None:
        """``res``, ``res[i]`` or ``parent::child`` → the resource and its converted index."""
        index: ArmExpr | None = None
        while isinstance(e, A.NonNull):
            e = e.base
        if isinstance(e, A.Index) and not e.safe and not e.from_end:
            inner = self.resource_target(e.base) if isinstance(e.base, (A.Ref, A.ChildAccess)) else None
            if inner is None or inner[1] is not None or inner[0].body.loop is None:
                return None
            return inner[0], self.convert(e.index)
        if isinstance(e, A.ChildAccess):
            parent = self.resource_target(e.base)
            child = parent[0].children.get(e.name) if parent else None
            if child is None:
                raise self.error(f"resource has no nested resource named '{e.name}'", e)
            return child, None
        if isinstance(e, A.Ref) and e.name not in self.locals:
            info = self.nested_resource(e.name) or self.model.resources.get(e.name)
            return (info, index) if info is not None else None
        return None

    def module_target(self, e: A.Expr) -> tuple[ModuleInfo, ArmExpr | None] | None:
        while isinstance(e, A.NonNull):
            e = e.base
        if isinstance(e, A.Index) and isinstance(e.base, A.Ref) and e.base.name in self.model.modules:
            return self.model.modules[e.base.name], self.convert(e.index)
        if isinstance(e, A.Ref) and e.name in self.model.modules and e.name not in self.locals:
            return self.model.modules[e.name], None
        return None

    def whole_resource(self, e: A.Expr) -> ArmExpr:
        if (target := self.resource_target(e)) is not None:
            return R.whole_resource(self, *target)
        if (module := self.module_target(e)) is not None:
            return R.module_reference(self, module[0], module[1], e)
        raise self.error("expected a resource or module symbol", e)

    # ---- accesses ----
    def access(self, e: A.Member | A.Index) -> ArmExpr:
        if isinstance(e, A.Index) and isinstance(e.index, A.Str) and not e.from_end:
            e = A.Member(e.pos, e.base, e.index.value, e.safe)  # Bicep lowers x['y'] to x.y
        if isinstance(e, A.Member):
            if (target := self.resource_target(e.base)) is not None:
                return R.resource_property(self, target[0], target[1], e)
            if (module := self.module_target(e.base)) is not None:
                return R.module_property(self, module[0], module[1], e)
            if isinstance(e.base, A.Member) and e.base.name == "outputs":
                module = self.module_target(e.base.base)
                if module is not None:
                    return R.module_output(self, module[0], module[1], e)
        return self.generic_access(e)

    def generic_access(self, e: A.Member | A.Index) -> ArmExpr:
        base = self.convert(e.base)
        accessor = lit(e.name) if isinstance(e, A.Member) else self.convert(e.index)
        from_end = isinstance(e, A.Index) and e.from_end
        if e.safe:
            return fn("tryIndexFromEnd" if from_end else "tryGet", base, accessor)
        chained = isinstance(e.base, (A.Member, A.Index))
        if chained and isinstance(base, Fn) and not base.props and base.name in SAFE_FUNCTIONS:
            extra = fn("createObject", lit("value"), accessor, lit("fromEnd"), fn("true")) if from_end else accessor
            return Fn(base.name, (*base.args, extra))
        if from_end:
            return fn("indexFromEnd", base, accessor)
        return append(base, accessor)

    def method(self, e: A.MethodCall) -> ArmExpr:
        target = self.resource_target(e.base)
        if target is None:
            raise self.error(f"'{e.name}()' can only be called on a resource symbol here", e)
        if not e.name.startswith(F.LIST_PREFIX):
            raise self.error(f"resource function '{e.name}()' is not supported by pullproof's compiler", e)
        info, index = target
        resource_id = R.resource_id(self, info, index)
        args = [self.convert(a) for a in e.args] if e.args else [lit(info.api_version)]
        return Fn(e.name, (resource_id, *args))

    # ---- function calls ----
    def call(self, e: A.Call) -> ArmExpr:
        if e.namespace is None and self.model.symbol_kind(e.name) is not None:
            raise self.error(f"'{e.name}' is not a function", e)
        if e.name in F.UNSUPPORTED:
            raise self.error(F.UNSUPPORTED[e.name], e)
        bounds = F.arity(e.name, e.namespace)
        if bounds is None:
            where = f"namespace '{e.namespace}'" if e.namespace else "the current context"
            raise self.error(f"the function '{e.name}' does not exist in {where}", e)
        if not bounds[0] <= len(e.args) <= bounds[1]:
            raise self.error(f"function '{e.name}' expects {F.describe_arity(bounds)}, got {len(e.args)}", e)
        if e.name == "any":
            return self.convert(e.args[0])
        if e.name == "nameof":
            return lit(self.nameof(e.args[0]))
        if e.name in F.PARAM_DEFAULT_ONLY and not self.param_default:
            raise self.error(f"function '{e.name}' can only be used as a parameter default value", e)
        if e.name in F.COMPILE_TIME:
            return load_function(self, e)
        return Fn(e.name, tuple(self.argument(a) for a in e.args))

    def nameof(self, e: A.Expr) -> str:
        if isinstance(e, A.Ref):
            return e.name
        if isinstance(e, A.Member):
            return e.name
        if isinstance(e, A.Index) and isinstance(e.index, A.Str):
            return e.index.value
        raise self.error("nameof() expects a symbol or a property access", e)

    def argument(self, e: A.Expr) -> ArmExpr:
        if not isinstance(e, A.Lambda):
            return self.convert(e)
        names = {p: fn("lambdaVariables", lit(p)) for p in e.params}
        body = self.with_locals(**names).convert(e.body)
        return Fn("lambda", (*(lit(p) for p in e.params), body))
