from __future__ import annotations

import http.server
import threading
from typing import Callable, Iterator

import pytest


class Recorder:
    """A loopback HTTP server that counts the requests it receives; each path
    answers what ``routes`` says (status, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                recorder.requests.append(self.path)
                status, headers, body = recorder.routes.get(self.path.split("?")[0], (404, {}, b"missing"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def recorder() -> Iterator[Callable[[], Recorder]]:
    """Makes loopback servers that count what reaches them."""
    made: list[Recorder] = []

    def make() -> Recorder:
        made.append(Recorder())
        return made[-1]

    yield make
    for server in made:
        server.close()
