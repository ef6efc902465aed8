"""A typed client of DingTalk's conference API, on httpx, sync and async.

It speaks the wire format only, so it works against confplane and, by ``endpoint``,
against the real service (``https://api.dingtalk.com``). confplane's own extensions
(the admin API) live in ``confplane.client.admin``.
"""

from confplane.client.dingtalk.aio import AsyncDingTalkClient
from confplane.client.dingtalk.config import DEFAULT_ENDPOINT
from confplane.client.dingtalk.credentials import (
    AppCredentials,
    Credentials,
    StaticToken,
    SuiteCredentials,
)
from confplane.client.dingtalk.errors import DingTalkError
from confplane.client.dingtalk.sync import DingTalkClient

__all__ = [
    "DEFAULT_ENDPOINT",
    "AppCredentials",
    "AsyncDingTalkClient",
    "Credentials",
    "DingTalkClient",
    "DingTalkError",
    "StaticToken",
    "SuiteCredentials",
]
