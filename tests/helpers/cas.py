"""A local stand-in for the Combot Anti-Spam API (CAS_URL points here in tests; never the network)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class CasStandIn:
    """Answers /check?user_id=ID like api.cas.chat: listed ids get {"ok": true}, others {"ok": false}.
    hang=True keeps every answer back until close(): a lookup that times out."""

    def __init__(self, listed: set[int] | None = None, *, hang: bool = False) -> None:
        self.listed = set(listed or ())
        self.hang = hang
        self.asked: list[int] = []
        self.released = threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                query = parse_qs(urlparse(self.path).query)
                user_id = int(query.get("user_id", ["0"])[0])
                stand_in.asked.append(user_id)
                if stand_in.hang:
                    stand_in.released.wait(10)
                    return
                body = ({"ok": True, "result": {"offenses": 1, "messages": ["spam"], "time_added": 1700000000}}
                        if user_id in stand_in.listed else {"ok": False, "description": "Record not found."})
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/check"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Let hung answers go and stop serving."""
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
