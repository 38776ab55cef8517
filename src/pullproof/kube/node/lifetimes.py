"""What an emulated container does. Containers have no processes: the command line (the container's
``command``/``args``, else the image config's ``Entrypoint``/``Cmd``) is read by a small interpreter
that knows the common one-shot commands (``true``, ``false``, ``sleep N``, ``echo``, ``printf``,
``date``, ``exit N``, AKS' ``dropgz deploy``, and ``sh -c`` scripts of those joined by ``;``, ``&&``,
``||``). It gives the lines the container writes (with the emulated second each is written at), how long it runs and its
exit code. Anything else (a server, an unknown binary) runs until it is stopped."""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pullproof.kube.node.waits import Loop, until_loop

SHELLS = frozenset({"sh", "bash", "ash", "dash"})
SLEEP_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
SEPARATORS = frozenset({";", "&&", "||"})


@dataclass(frozen=True)
class Waiting:
    """A leading ``until nc -z HOST PORT; do ...; done``: ``output`` printed once per ``period`` until the
    Service answers, then ``rest`` runs."""

    host: str
    port: int
    output: str
    period: float
    rest: Program


@dataclass(frozen=True)
class Program:
    """``output``: (offset in seconds, text) in order; ``duration`` None: runs until stopped (or, with
    ``wait``, until the Service it waits for answers)."""

    output: tuple[tuple[float, str], ...]
    duration: float | None
    exit_code: int
    wait: Waiting | None = None

    def log(self, elapsed: float) -> str:
        """What the container has written ``elapsed`` seconds after it started."""
        return "".join(text for at, text in self.output if at <= elapsed)

    def done(self, elapsed: float) -> bool:
        return self.duration is not None and elapsed >= self.duration


FOREVER = Program((), None, 0)


def command_line(container: dict[str, Any], config: dict[str, Any] | None) -> list[str] | None:
    """Kubernetes' rule: ``command`` replaces the Entrypoint (and drops the Cmd), ``args`` replace the Cmd.
    None when the image config is unknown and the container does not say."""
    image = (config or {}).get("config") or {}
    command, args = container.get("command"), container.get("args")
    if command:
        return [str(a) for a in [*command, *(args or [])]]
    if config is None:
        return [str(a) for a in args] if args else None
    entrypoint = image.get("Entrypoint") or []
    return [str(a) for a in [*entrypoint, *(args if args else image.get("Cmd") or [])]]


@dataclass
class _Run:
    started: float
    at: float = 0.0
    status: int = 0
    forever: bool = False
    exited: bool = False

    def __post_init__(self) -> None:
        self.output: list[tuple[float, str]] = []

    def say(self, text: str) -> None:
        self.output.append((self.at, text))


def interpret(argv: list[str] | None, started: float) -> Program:
    """The program ``argv`` runs, started at epoch ``started`` (for ``date``)."""
    if not argv:
        return FOREVER
    run = _Run(started)
    if posixpath.basename(argv[0]) in SHELLS:
        if len(argv) >= 3 and argv[1] == "-c" and (loop := until_loop(argv[2])) is not None:
            return _waiting(argv[0], loop, started)
        if len(argv) >= 3 and argv[1] == "-c":
            _script(run, argv[2])
        elif len(argv) == 1:
            pass  # no stdin attached: the shell reads end of input and exits 0
        else:
            return FOREVER
    else:
        _command(run, argv)
    if run.forever:
        return Program(tuple(run.output), None, 0)
    return Program(tuple(run.output), run.at, run.status)


def _waiting(shell: str, loop: Loop, started: float) -> Program:
    body = interpret([shell, "-c", loop.body], started)
    rest = interpret([shell, "-c", loop.rest], started) if loop.rest else Program((), 0.0, 0)
    period = body.duration if body.duration else 1.0  # a loop without a sleep spins: one round a second
    return Program((), None, 0, Waiting(loop.host, loop.port, body.log(period), period, rest))


def _script(run: _Run, script: str) -> None:
    try:
        lexer = shlex.shlex(script.replace("\n", ";"), posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        run.say("sh: syntax error: unterminated quoted string\n")
        run.status = 2
        return
    words: list[str] = []
    joiner = ";"
    for token in [*tokens, ";"]:
        if token not in SEPARATORS:
            words.append(token)
            continue
        if words and (joiner == ";" or (joiner == "&&") == (run.status == 0)):
            _command(run, words)
            if run.forever or run.exited:
                return
        words, joiner = [], token


def _command(run: _Run, argv: list[str]) -> None:
    name, args = posixpath.basename(argv[0]), argv[1:]
    if name == "true":
        run.status = 0
    elif name == "false":
        run.status = 1
    elif name == "echo":
        newline = not (args and args[0] == "-n")
        run.say(" ".join(args[0 if newline else 1:]) + ("\n" if newline else ""))
        run.status = 0
    elif name == "printf":
        run.say(_printf(args))
        run.status = 0
    elif name == "date":
        run.say(datetime.fromtimestamp(run.started + run.at, UTC).strftime("%a %b %e %H:%M:%S UTC %Y\n"))
        run.status = 0
    elif name == "sleep":
        _sleep(run, args)
    elif name == "dropgz" and args[:1] == ["deploy"]:
        run.status = 0  # the AKS CNI installer (azure-cns' init container): copies its payload and exits
    elif name == "exit":
        run.status = int(args[0]) % 256 if args and args[0].lstrip("-").isdigit() else run.status
        run.exited = True
    else:
        run.forever = True


def _sleep(run: _Run, args: list[str]) -> None:
    total = 0.0
    for arg in args or ["?"]:
        if arg == "infinity":
            run.forever = True
            return
        match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", arg)
        if match is None:
            run.say(f"sleep: invalid number '{arg}'\n")
            run.status = 1
            return
        total += float(match.group(1)) * SLEEP_UNITS[match.group(2) or "s"]
    run.at += total
    run.status = 0


def _printf(args: list[str]) -> str:
    """``printf FORMAT ARGS``: ``%s``/``%d`` take the next argument, ``\\n``/``\\t`` escape, ``%%`` is ``%``;
    the format repeats while arguments remain."""
    if not args:
        return ""
    pattern, form, values = re.compile(r"%%|%([sd])"), args[0], iter(args[1:])
    fields = sum(1 for m in pattern.finditer(form) if m.group(1))
    rounds = max(1, -(-len(args[1:]) // fields)) if fields else 1

    def field(match: re.Match[str]) -> str:
        if not match.group(1):
            return "%"
        value = next(values, "")
        return str(int(value)) if match.group(1) == "d" and value.lstrip("-").isdigit() else value

    text = "".join(pattern.sub(field, form) for _ in range(rounds))
    return text.replace("\\n", "\n").replace("\\t", "\t")
