"""confplane's own app served by granian instead of uvicorn, for measuring the two side by
side (``python -m bench --configs sqlite-granian``, ``python -m bench.devices --server
granian``). ``confplane serve`` itself runs uvicorn (docs/performance.md says why)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from confplane.testing import ServerProcess


class GranianServer(ServerProcess):
    """The same app and settings as ``confplane serve``, served by granian."""

    def start(self, timeout: float = 30.0) -> None:
        settings = {
            "host": "127.0.0.1",
            "port": self.port,
            "data_dir": str(self.data_dir),
            "database_url": self.database_url,
            "admin_token": self.admin_token,
            "seed_demo": False,
        }
        env = {**os.environ, "CONFPLANE_WORKER_SETTINGS": json.dumps(settings)}
        granian = str(Path(sys.executable).parent / "granian")
        args = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--loop", "uvloop", "--no-access-log", "--log-level", "warning"]
        args += ["bench.granian_app:app"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.wait_until_up(timeout)
