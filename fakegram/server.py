"""Serve a FakeBotAPI over HTTP on localhost, for a bot running in another process."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeServer:
    """A ThreadingHTTPServer in a daemon thread; base_url is what TELEGRAM_BASE_URL should be."""

    def __init__(self, api: Any, host: str = "127.0.0.1", port: int = 0, web: Any = None) -> None:
        """Bind and start serving; `web` (optional) answers every path that is not /bot<token>/<method>."""
        self.api = api
        self.stop = threading.Event()
        handler = type("Handler", (_Handler,), {"api": api, "stop": self.stop, "web": web})
        self.httpd = _QuietServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="fake-bot-api", daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self.httpd.server_address[0]

    @property
    def port(self) -> int:
        """The port the server listens on (useful with port=0)."""
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """Bot API base URL without the token, e.g. http://127.0.0.1:8081/bot."""
        return f"http://{self.host}:{self.port}/bot"

    def close(self) -> None:
        """Stop serving; long polls in flight return at once."""
        self.stop.set()
        self.api.wake()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away (a killed bot); anything else is a real bug."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: Any = None
    stop: threading.Event | None = None
    web: Any = None

    def do_POST(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        if self.web is not None and not path.startswith("/bot"):
            self._send_web(self.web.respond(self.command, path, query, self.headers, body))
            return
        reply = self.api.handle(path, self.headers.get("Content-Type", ""), body, query, stop=self.stop)
        if reply.fault:
            # simulate a lost connection: close the socket without any response
            self.close_connection = True
            return
        content = reply.content
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST

    def _send_web(self, reply: Any) -> None:
        self.send_response(reply.status)
        for name, value in {"Content-Type": reply.content_type, **reply.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base
        """Keep test output quiet (and tokens out of logs)."""
