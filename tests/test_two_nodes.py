"""Two nodes sharing PostgreSQL and Redis; one gets SIGKILL under load (bench/failover.py
runs the scenario and judges it): its devices resume on the other node within the grace
period, no command addressed to a device is lost, and every acknowledged write is in the
database, as the surviving node's API answers through the official SDK.

In separate network namespaces when this runs as root, and on loopback always. Two nodes
need PostgreSQL (one SQLite file has one process), so there is no SQLite variant.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

# bench/ is a top-level package beside tests/, importable when run from the repository.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.cluster import Cluster, can_share_services  # noqa: E402
from bench.failover import Report, Scenario, run  # noqa: E402
from bench.netns import unavailable  # noqa: E402

REDIS_URL = os.environ.get("CONFPLANE_TEST_REDIS", "redis://127.0.0.1:6379/0")
GRACE_S = 30.0
SMALL = Scenario(
    devices=20,
    per_meeting=5,
    writers=4,
    lock_every=4,
    before_kill_s=1.5,
    after_resume_s=1.0,
    grace_s=GRACE_S,
)


def _redis_missing() -> str | None:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return None
    except OSError:
        return f"no Redis at {REDIS_URL}"


@pytest.fixture(params=["namespaces", "loopback"])
def namespaces(request: pytest.FixtureRequest) -> bool:
    missing = can_share_services() or _redis_missing()
    if missing:
        pytest.skip(missing)
    if request.param == "namespaces" and (reason := unavailable()):
        pytest.skip(reason)
    return bool(request.param == "namespaces")


def _run(root: Path, namespaces: bool) -> Report:
    extra = ["--device-grace", str(GRACE_S)]
    with Cluster(root, namespaces=namespaces, redis_url=REDIS_URL, extra_args=extra) as cluster:
        return asyncio.run(run(cluster, SMALL))


def test_killing_a_node_under_load_loses_nothing(namespaces: bool, tmp_path: Path) -> None:
    report = _run(tmp_path, namespaces)
    assert report.failures == []
    assert report.namespaces is namespaces
    # The load ran on both nodes: A answered writes before it died, B before and after.
    assert report.devices == {"a": 10, "b": 10, "meetings": 4}
    assert report.acked_by_node.get("a", 0) > 0
    assert report.acked_by_node.get("b", 0) > 0
    assert report.writes.get("refused", 0) == 0
    # Every device of A resumed on B, each within the grace period.
    assert report.resume["resumed"] == report.resume["of"] == 10
    assert report.resume["max_ms"] < GRACE_S * 1000
    # Every command the log addressed to a device reached it once, in order.
    assert report.commands["lost"] == 0
    assert report.commands["received"] == report.commands["addressed"] > 0
    # The log holds exactly the commands the acknowledged writes made (and the unanswered
    # ones that committed), and B answers the state of each target's last acknowledged
    # write: every device and every meeting checked.
    assert report.targets_checked == 20 + 4
    assert report.log_mismatches == 0
    assert report.state_mismatches == 0
