"""Who a device's connection comes from, as the key its guest attempts are counted under.

The address is the one the ASGI server reports: the socket's peer, or, for a connection
from a proxy uvicorn trusts (``FORWARDED_ALLOW_IPS``, default ``127.0.0.1,::1``), the
client its ``X-Forwarded-For`` names. An IPv6 client counts as its /64 network, the least
one subscriber is usually given, so that walking through one's own addresses buys no
fresh attempts.
"""

from __future__ import annotations

import ipaddress
from typing import Any

UNKNOWN = "unknown"
IPV6_PREFIX = 64


def client_key(client: Any) -> str:
    """The key of an ASGI scope's ``client`` ((host, port), or None)."""
    host = client[0] if isinstance(client, list | tuple) and client else None
    if not isinstance(host, str):
        return UNKNOWN
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return UNKNOWN  # a unix socket, or a proxy header that names no address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)
