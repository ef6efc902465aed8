"""A loopback stand-in for api.dingtalk.com that replays recorded answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDINGS = Path(__file__).parent / "dingtalk"


def recording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDINGS / f"{name}.json").read_text())
    return data


@dataclass
class Seen:
    """One request as it arrived."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw_body) if self.raw_body else None


@dataclass
class RecordedDingTalk:
    """Serves the named recordings (first match wins), else InvalidAction.NotFound."""

    names: Iterable[str]
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.recordings = [recording(n) for n in self.names]
        self.fallback = recording("not_found")
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(
                    self.command,
                    url.path,
                    dict(parse_qsl(url.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                stub.seen.append(seen)
                self._reply(stub.match(seen)["response"])

            def _reply(self, response: dict[str, Any]) -> None:
                if "text" in response:
                    payload = response["text"].encode()
                else:
                    payload = json.dumps(response["body"], ensure_ascii=False).encode()
                self.send_response(response["status"])
                for key, value in response.get("headers", {}).items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *_args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def match(self, seen: Seen) -> dict[str, Any]:
        for rec in self.recordings:
            want = rec["request"]
            if want["method"] != seen.method or want["path"] != seen.path:
                continue
            if "query" in want and want["query"] != seen.query:
                continue
            if "body" in want and want["body"] != seen.body:
                continue
            return rec
        return self.fallback

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def endpoint(self) -> str:
        return self.base_url.removeprefix("http://")

    def __enter__(self) -> RecordedDingTalk:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
