"""Network namespaces for server nodes: each node gets its own network stack, joined to
the host namespace by a veth pair on one bridge.

    with Network(2) as net:          # needs root and iproute2
        net.host_address             # 10.231.X.1: the host's side, where services are
        net.nodes[0].address         # 10.231.X.2: node 0, inside net.nodes[0].namespace
        net.inside(0, ["python", ...]) # the argv that runs a program inside node 0

Everything made is named after this process (``cp<pid>...``) and removed on exit, also
when the block fails.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

SUBNET_BASE = "10.231"


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "network namespaces need iproute2's ip command"
    return None


@dataclass(frozen=True, slots=True)
class NodeNet:
    namespace: str
    address: str


def _ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True)


def _free_octet(start: int) -> int:
    """A third octet whose 10.231.X.0/24 no interface uses yet."""
    used = subprocess.run(
        ["ip", "-o", "-4", "addr", "show"], check=True, capture_output=True, text=True
    ).stdout
    for step in range(250):
        octet = 1 + (start + step) % 250
        if f" {SUBNET_BASE}.{octet}." not in used:
            return octet
    raise RuntimeError(f"no free /24 under {SUBNET_BASE}.0.0/16")


class Network:
    def __init__(self, nodes: int, *, tag: str | None = None) -> None:
        if nodes < 1:
            raise ValueError("nodes must be at least 1")
        # Interface names hold at most 15 characters.
        self.tag = tag or f"cp{os.getpid() % 100_000}"
        self.bridge = f"{self.tag}br"
        self._count = nodes
        self.host_address = ""
        self.nodes: list[NodeNet] = []
        self._made_bridge = False

    def __enter__(self) -> Network:
        try:
            self.create()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.destroy()

    def create(self) -> None:
        reason = unavailable()
        if reason is not None:
            raise RuntimeError(reason)
        octet = _free_octet(os.getpid())
        subnet = ipaddress.ip_network(f"{SUBNET_BASE}.{octet}.0/24")
        hosts = list(subnet.hosts())
        self.host_address = str(hosts[0])
        _ip("link", "add", self.bridge, "type", "bridge")
        self._made_bridge = True
        _ip("addr", "add", f"{self.host_address}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for i in range(self._count):
            node = NodeNet(f"{self.tag}n{i}", str(hosts[1 + i]))
            _ip("netns", "add", node.namespace)
            self.nodes.append(node)
            outside, inside = f"{self.tag}h{i}", f"{self.tag}v{i}"
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside,
                "netns", node.namespace)  # fmt: skip
            _ip("link", "set", outside, "master", self.bridge)
            _ip("link", "set", outside, "up")
            _ip("-n", node.namespace, "addr", "add", f"{node.address}/24", "dev", inside)
            _ip("-n", node.namespace, "link", "set", inside, "up")
            _ip("-n", node.namespace, "link", "set", "lo", "up")

    def destroy(self) -> None:
        """Remove what create() made (each veth goes with its namespace); safe to repeat."""
        for node in self.nodes:
            _ip("netns", "del", node.namespace, check=False)
        self.nodes = []
        if self._made_bridge:
            _ip("link", "del", self.bridge, check=False)
            self._made_bridge = False

    def inside(self, node: int, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside node ``node``'s namespace (``ip netns exec`` execs it, so
        the child's pid is the program's own)."""
        return ["ip", "netns", "exec", self.nodes[node].namespace, *argv]
