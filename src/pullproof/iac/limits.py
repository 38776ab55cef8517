"""How much a template may ask for: ARM's documented template limits, and the evaluation budget that
keeps one deployment from taking the memory or the time of the whole process.

``TemplateLimits`` holds the figures (an engine gets its own; tests may shrink them); a ``Budget`` is
the running account of one deployment's evaluation (every frame of it shares the same one). A value
a template function builds is measured without recursion, so neither a huge nor a deeply nested
value can exhaust memory or the interpreter stack before it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pullproof.iac import errors
from pullproof.iac.errors import ExpressionError


@dataclass(frozen=True)
class TemplateLimits:
    """ARM's template limits (template-best-practices, copy-resources, template-functions-array) and
    pullproof's own evaluation bounds (marked: Azure publishes no figure for them)."""

    resources: int = 800
    parameters: int = 256
    variables: int = 512
    outputs: int = 64
    copy_count: int = 800
    range_count: int = 10_000
    template_bytes: int = 4 * 1024 * 1024
    expression_length: int = 81_920
    expression_depth: int = 128  # pullproof's own
    value_size: int = 1_048_576  # pullproof's own: the 1 MB a resource definition may take
    value_depth: int = 128  # pullproof's own
    steps: int = 1_000_000  # pullproof's own
    kept: int = 16_777_216  # pullproof's own: characters and nodes of the variables and outputs kept


CHARS_PER_STEP = 256
"""Characters a step pays for: strings are built and scanned in C, hundreds of times faster per character
than the interpreter walks one node of an expression, an array or an object."""


@dataclass
class Budget:
    """The evaluation account of one deployment: steps taken (nodes evaluated and walked, characters
    built or scanned) and the size of what it keeps (variables and outputs)."""

    limits: TemplateLimits = field(default_factory=TemplateLimits)
    steps: int = 0
    kept: int = 0

    def charge(self, amount: int = 1) -> None:
        self.steps += amount
        if self.steps > self.limits.steps:
            raise ExpressionError(errors.STEPS_LIMIT, limit=self.limits.steps)

    def length(self, name: str, size: int) -> None:
        """Refuse, before it is built, a string or array of ``size`` items from function ``name``."""
        if size > self.limits.value_size:
            raise ExpressionError(errors.VALUE_LIMIT, name=name, limit=self.limits.value_size)

    def built(self, name: str, value: Any) -> int:
        """Measure a value function ``name`` built; refuse it if too large or too deep, charge the walk."""
        nodes, chars = measure(value, self.limits, name)
        self.charge(nodes + chars // CHARS_PER_STEP)
        return nodes + chars

    def keep(self, name: str, value: Any) -> None:
        """Account for a value the deployment keeps until it ends (a variable, an output)."""
        self.kept += self.built(name, value)
        if self.kept > self.limits.kept:
            raise ExpressionError(errors.KEPT_LIMIT, limit=self.limits.kept)


def measure(value: Any, limits: TemplateLimits, name: str) -> tuple[int, int]:
    """Nodes (scalars, arrays, objects) and characters (of strings and keys) of a JSON-shaped value, walked
    level by level without recursion; stops as soon as it is over ``limits.value_size`` or ``value_depth``."""
    nodes = chars = 0
    level, depth, limit = [value], 1, limits.value_size
    while level:
        if depth > limits.value_depth:
            raise ExpressionError(errors.VALUE_DEPTH, name=name, limit=limits.value_depth)
        below: list[Any] = []
        for item in level:
            nodes += 1
            if isinstance(item, str):
                chars += len(item)
            elif isinstance(item, dict):
                chars += sum(map(len, item))
                below.extend(item.values())
            elif isinstance(item, list):
                below.extend(item)
            if nodes + chars > limit:
                raise ExpressionError(errors.VALUE_LIMIT, name=name, limit=limit)
        level, depth = below, depth + 1
    return nodes, chars


def shallow(value: Any) -> int:
    """What scanning a value once costs: a step per array item or object property, per 256 characters."""
    if isinstance(value, str):
        return 1 + len(value) // CHARS_PER_STEP
    return 1 + len(value) if isinstance(value, (list, dict)) else 1
