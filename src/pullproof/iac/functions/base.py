"""The shape of a template function: its name, arity, where it may be used, and typed argument access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pullproof.iac import errors
from pullproof.iac.context import Frame, Lambda, Phase
from pullproof.iac.errors import ExpressionError
from pullproof.iac.expressions import Node
from pullproof.iac.values import is_int, type_name

Evaluate = Callable[[Node, Frame], Any]


@dataclass(frozen=True)
class Invocation:
    """One call: its (evaluated) arguments, or for lazy functions the argument nodes."""

    name: str
    args: list[Any]
    frame: Frame
    nodes: tuple[Node, ...] = ()
    evaluate: Evaluate | None = None

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(errors.ARG_VALUE, name=self.name, reason=reason)

    def room(self, size: int) -> None:
        """Refuse (before building it) a result of ``size`` characters or items over the budget's limit."""
        self.frame.budget.length(self.name, size)

    def work(self, steps: int) -> None:
        """Charge the evaluation budget for work the function does beyond reading its arguments once."""
        self.frame.budget.charge(steps)

    def _typed(self, index: int, kinds: tuple[type, ...], expected: str) -> Any:
        value = self.args[index]
        if isinstance(value, bool) and bool not in kinds:
            raise ExpressionError(errors.ARG_TYPE, name=self.name, expected=expected, actual=type_name(value))
        if not isinstance(value, kinds):
            raise ExpressionError(errors.ARG_TYPE, name=self.name, expected=expected, actual=type_name(value))
        return value

    def text(self, index: int) -> str:
        value: str = self._typed(index, (str,), "String")
        return value

    def integer(self, index: int) -> int:
        value: int = self._typed(index, (int,), "Integer")
        return value

    def boolean(self, index: int) -> bool:
        value: bool = self._typed(index, (bool,), "Boolean")
        return value

    def array(self, index: int) -> list[Any]:
        value: list[Any] = self._typed(index, (list,), "Array")
        return value

    def obj(self, index: int) -> dict[str, Any]:
        value: dict[str, Any] = self._typed(index, (dict,), "Object")
        return value

    def lam(self, index: int) -> Lambda:
        value = self.args[index]
        if not isinstance(value, Lambda):
            raise ExpressionError(errors.ARG_TYPE, name=self.name, expected="Lambda", actual=type_name(value))
        return value

    def ints(self) -> list[int]:
        for index in range(len(self.args)):
            if not is_int(self.args[index]):
                self.integer(index)
        return list(self.args)


@dataclass(frozen=True)
class Spec:
    """A function: ``fn`` gets the invocation; ``lazy`` ones get unevaluated argument nodes. The value a
    function ``builds`` is measured against the evaluation budget; one that only hands back a value that
    exists already (a parameter, a variable, a resource's properties) is not. A function that ``scans``
    its arguments is charged for reading them once."""

    name: str
    fn: Callable[[Invocation], Any]
    min_args: int = 0
    max_args: int | None = None
    lazy: bool = False
    phases: frozenset[Phase] | None = None
    builds: bool = True
    scans: bool = True

    def check_arity(self, count: int) -> None:
        if count < self.min_args or (self.max_args is not None and count > self.max_args):
            if self.max_args is None:
                expected = f"at least '{self.min_args}'"
            elif self.min_args == self.max_args:
                expected = f"'{self.min_args}'"
            else:
                expected = f"'{self.min_args}' to '{self.max_args}'"
            raise ExpressionError(errors.ARG_COUNT, name=self.name, expected=expected, got=count)


def spec(name: str, fn: Callable[[Invocation], Any], min_args: int = 0, max_args: int | None = -1,
         phases: frozenset[Phase] | None = None, lazy: bool = False, builds: bool = True,
         scans: bool | None = None) -> Spec:
    """``max_args=-1`` means "same as min_args"; None means unbounded. A function that builds nothing
    (it hands back a value that exists) does not scan either, unless told."""
    return Spec(name, fn, min_args, min_args if max_args == -1 else max_args, lazy, phases, builds,
                builds if scans is None else scans)
