"""Runs the ``confplane`` command as a child process, in a pipe or on a terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import Org


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


def clean_env(home: Path, **values: str) -> dict[str, str]:
    """The parent's environment minus any CONFPLANE_* setting, with a private home (so no
    real profile file is read), plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFPLANE_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), NO_COLOR="1")
    env.pop("COLUMNS", None)
    env.update(values)
    return env


def app_env(home: Path, org: Org, **values: str) -> dict[str, str]:
    """``clean_env`` for a run as the org's app: the server's address and the app's
    credentials, plus ``values``."""
    return clean_env(
        home,
        CONFPLANE_ENDPOINT=org.server.base_url,
        CONFPLANE_APP_KEY=org.app_key,
        CONFPLANE_APP_SECRET=org.app_secret,
        **values,
    )


def ok(result: Result) -> Result:
    """A run that succeeded and wrote nothing to stderr."""
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    return result


def run(env: dict[str, str], *args: str, timeout: float = 60) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "confplane", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_on_terminal(env: dict[str, str], *args: str, timeout: float = 60) -> Result:
    """stdout and stderr on one pseudo-terminal, as in an interactive shell."""
    master, slave = pty.openpty()
    term_env = {**env, "TERM": "xterm-256color", "COLUMNS": "120"}
    term_env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "confplane", *args],
        env=term_env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError(f"confplane {' '.join(args)} went silent for {timeout}s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    code = proc.wait(timeout=timeout)
    return Result(code, b"".join(chunks).decode("utf-8", "replace"), "")
