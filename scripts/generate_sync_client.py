#!/usr/bin/env python3
"""Write src/confplane/client/dingtalk/sync.py from aio.py: unasync, then ruff.

Edit aio.py, then run this. With --check (CI) it writes nothing and exits 1 if
sync.py is not what it would write.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import unasync  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "confplane" / "client" / "dingtalk"
SOURCE, TARGET = PACKAGE / "aio.py", PACKAGE / "sync.py"
HEADER = "# Generated from aio.py by scripts/generate_sync_client.py: do not edit by hand.\n"
# On top of unasync's own (async/await dropped, __aenter__, AsyncIterator, ...).
REPLACEMENTS = {
    "AsyncDingTalkClient": "DingTalkClient",  # not unasync's default, SyncDingTalkClient
    "AsyncClient": "Client",  # httpx
    "aclose": "close",
    "aread": "read",
    "asyncio": "threading",  # asyncio.Lock -> threading.Lock
}


def ruff(*args: str, source: str) -> str:
    """``source`` through ``ruff *args``, read as if it were sync.py (for its config)."""
    cmd = [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(TARGET), "-"]
    done = subprocess.run(cmd, input=source, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"ruff {args[0]} failed on the generated code:\n{done.stderr}{done.stdout}")
    return done.stdout


def generate() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        aio = Path(tmp, "aio.py")
        aio.write_bytes(SOURCE.read_bytes())
        unasync.unasync_files([str(aio)], [unasync.Rule("aio.py", "sync.py", REPLACEMENTS)])
        code = HEADER + Path(tmp, "sync.py").read_text(encoding="utf-8")
    return ruff("format", source=ruff("check", "--fix", "--select", "I", source=code))


def main() -> int:
    parser = argparse.ArgumentParser(description="Generate the DingTalk sync client.")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    check = parser.parse_args().check
    code, name = generate(), TARGET.relative_to(ROOT)
    if not check:
        TARGET.write_text(code, encoding="utf-8")
        print(f"wrote {name}")
    elif not TARGET.exists() or TARGET.read_text(encoding="utf-8") != code:
        print(f"{name} is stale: run scripts/generate_sync_client.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
