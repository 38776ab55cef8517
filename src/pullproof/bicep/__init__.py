"""A Bicep → ARM JSON compiler for the subset of Bicep pullproof supports (see the module docstrings).

``build(path)`` returns the template the real ``bicep build`` would write (array-form dialect, as
Bicep 0.38.x emits it when no languageVersion 2.0 feature is used); errors are ``BicepError``s with
file, line and column.
"""

from .cli import build
from .errors import BicepError
from .files import Compiler

__all__ = ["BicepError", "Compiler", "build"]
