"""A real HTTP receiver on 127.0.0.1 standing in for the school's LMS: records every call, fails on demand."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    fail_first: int = 0  # answer 500 to this many calls, then 200
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.calls.append(Call({k: v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(owner.calls) <= owner.fail_first else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/edcontrol"

    def event_ids(self, event: str | None = None) -> list[str]:
        return [c.headers["X-EdControl-Event-Id"] for c in self.calls if event is None or c.json["event"] == event]

    def close(self) -> None:
        self._server.shutdown()
