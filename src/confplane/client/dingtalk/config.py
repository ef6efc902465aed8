"""Settings shared by the sync and the async client: where to send, what to say."""

from __future__ import annotations

import httpx

from confplane import __version__

DEFAULT_ENDPOINT = "https://api.dingtalk.com"
DEFAULT_TIMEOUT_S = 10.0
USER_AGENT = f"confplane/{__version__} (python-httpx/{httpx.__version__})"


def base_url(endpoint: str) -> str:
    """``https://api.dingtalk.com`` or ``http://127.0.0.1:8080``; a bare host[:port] means
    https (the real service's protocol)."""
    endpoint = endpoint.strip().rstrip("/")
    if not endpoint:
        raise ValueError("endpoint must not be empty")
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    return endpoint
