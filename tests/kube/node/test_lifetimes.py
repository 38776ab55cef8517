"""The interpreter of container command lines: output with the second it is written at, duration,
exit code; anything it does not know runs until stopped."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.kube.node.lifetimes import command_line, interpret

START = 1_800_000_000.0  # Fri Jan 15 08:00:00 UTC 2027


@pytest.mark.parametrize(("argv", "output", "duration", "code"), [
    (["true"], (), 0.0, 0),
    (["/bin/false"], (), 0.0, 1),
    (["echo", "hello", "world"], ((0.0, "hello world\n"),), 0.0, 0),
    (["echo", "-n", "x"], ((0.0, "x"),), 0.0, 0),
    (["sleep", "30"], (), 30.0, 0),
    (["sleep", "1m", "0.5"], (), 60.5, 0),
    (["sleep", "soon"], ((0.0, "sleep: invalid number 'soon'\n"),), 0.0, 1),
    (["sleep", "infinity"], (), None, 0),
    (["nginx", "-g", "daemon off;"], (), None, 0),
    (["/dropgz", "deploy", "--skip-verify", "azure-vnet", "-o", "/opt/cni/bin/azure-vnet"], (), 0.0, 0),
    (["/dropgz"], (), None, 0),
    (["sh"], (), 0.0, 0),
    (["sh", "-c", "echo hi; exit 3"], ((0.0, "hi\n"),), 0.0, 3),
    (["/bin/sh", "-c", "echo a; sleep 5; echo b"], ((0.0, "a\n"), (5.0, "b\n")), 5.0, 0),
    (["sh", "-c", "false && echo no; echo yes"], ((0.0, "yes\n"),), 0.0, 0),
    (["sh", "-c", "false || exit 7; echo never"], (), 0.0, 7),
    (["sh", "-c", "true && false"], (), 0.0, 1),
    (["sh", "-c", "echo up\nsleep 2\nexit 0"], ((0.0, "up\n"),), 2.0, 0),
    (["sh", "-c", "echo start; exec my-server"], ((0.0, "start\n"),), None, 0),
    (["sh", "-c", "sleep 3; date"], ((3.0, "Fri Jan 15 08:00:03 UTC 2027\n"),), 3.0, 0),
    (["printf", "%s=%d\\n", "a", "1", "b", "2"], ((0.0, "a=1\nb=2\n"),), 0.0, 0),
    (["printf", "100%%\\n"], ((0.0, "100%\n"),), 0.0, 0),
    (["bash", "-c", "echo 'it''s' \"quoted; text\""], ((0.0, "its quoted; text\n"),), 0.0, 0),
])
def test_programs(argv: list[str], output: tuple[tuple[float, str], ...], duration: float | None,
                  code: int) -> None:
    program = interpret(argv, START)
    assert (program.output, program.duration, program.exit_code) == (output, duration, code)


def test_output_appears_as_time_passes_and_the_program_ends_at_its_duration() -> None:
    program = interpret(["sh", "-c", "echo a; sleep 30; echo b; exit 2"], START)
    assert (program.log(29.9), program.done(29.9)) == ("a\n", False)
    assert (program.log(30), program.done(30), program.exit_code) == ("a\nb\n", True, 2)
    assert not interpret(["sleep", "infinity"], START).done(10**9)


@pytest.mark.parametrize(("container", "config", "argv"), [
    ({}, {"config": {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx"]}}, ["/docker-entrypoint.sh", "nginx"]),
    ({"args": ["-v"]}, {"config": {"Entrypoint": ["app"], "Cmd": ["--serve"]}}, ["app", "-v"]),
    ({"command": ["echo"]}, {"config": {"Entrypoint": ["app"], "Cmd": ["--serve"]}}, ["echo"]),
    ({"command": ["sh", "-c"], "args": ["exit 1"]}, None, ["sh", "-c", "exit 1"]),
    ({}, {"config": {"Cmd": ["sh"]}}, ["sh"]),
    ({}, {}, []),
    ({}, None, None),
])
def test_command_line_follows_the_kubernetes_rules(container: dict[str, Any], config: dict[str, Any] | None,
                                                   argv: list[str] | None) -> None:
    assert command_line(container, config) == argv
