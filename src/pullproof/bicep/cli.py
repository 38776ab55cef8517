"""The ``bicep`` executable contract ``az`` relies on (reference §3.7), backed by pullproof's compiler.

``bicep --version``; ``bicep build FILE [--stdout | --outfile F | --outdir D]``; ``bicep build-params``
answers a clear not-supported error. Exit codes: 0 success, 1 compile error, 2 usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .errors import BicepError
from .files import Compiler

VERSION_LINE = "Bicep CLI version 0.38.5 (pullproof)"
USAGE = "usage: bicep build <file.bicep> [--stdout | --outfile <file> | --outdir <dir>] | bicep --version"


def build(path: Path | str) -> dict[str, Any]:
    """Compile ``path`` and its modules to an ARM template (raises ``BicepError``)."""
    return Compiler().compile(path)


def render(template: dict[str, Any]) -> str:
    """The template text as ``bicep build`` writes it (2-space indented JSON)."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out, err = out or sys.stdout, err or sys.stderr
    if args in (["--version"], ["-v"]):
        print(VERSION_LINE, file=out)
        return 0
    if args in ([], ["--help"], ["-h"]):
        print(USAGE, file=out if args else err)
        return 0 if args else 2
    if args[0] == "build-params":
        print("bicep build-params: .bicepparam files are not supported by pullproof's compiler", file=err)
        return 1
    if args[0] != "build":
        print(f"unknown command '{args[0]}'\n{USAGE}", file=err)
        return 2
    return _build(args[1:], out, err)


def _build(args: list[str], out: TextIO, err: TextIO) -> int:
    options = {"--stdout": False}
    files: list[str] = []
    target: dict[str, str] = {}
    it = iter(args)
    for arg in it:
        if arg == "--stdout":
            options["--stdout"] = True
        elif arg in ("--outfile", "--outdir"):
            target[arg] = next(it, "")
        elif arg in ("--no-restore", "--diagnostics-format=default"):
            continue
        elif arg.startswith("-"):
            print(f"unrecognized option '{arg}'\n{USAGE}", file=err)
            return 2
        else:
            files.append(arg)
    if len(files) != 1 or any(not v for v in target.values()):
        print(USAGE, file=err)
        return 2
    try:
        text = render(build(files[0]))
    except BicepError as exc:
        print(exc.render(), file=err)
        return 1
    if options["--stdout"]:
        out.write(text)
        return 0
    destination = _destination(Path(files[0]), target)
    destination.write_text(text, encoding="utf-8")
    return 0


def _destination(source: Path, target: dict[str, str]) -> Path:
    if "--outfile" in target:
        return Path(target["--outfile"])
    folder = Path(target["--outdir"]) if "--outdir" in target else source.parent
    return folder / (source.stem + ".json")
if __name__ == "__main__":
    raise SystemExit(main())
