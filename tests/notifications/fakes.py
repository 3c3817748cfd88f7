"""Local stand-ins for the providers: Africa's Talking's SMS API over HTTP, and an SMTP server."""

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

API_KEY = "test-api-key"


def free_port() -> int:
    """A loopback port nobody listens on (connections to it are refused until something binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0


def accepted(number: str, message_id: str, code: int = 101, status: str = "Success") -> Reply:
    body = {
        "SMSMessageData": {
            "Message": "Sent to 1/1 Total Cost: KES 0.8000",
            "Recipients": [
                {"statusCode": code, "number": number, "status": status, "cost": "KES 0.8000", "messageId": message_id}
            ],
        }
    }
    return Reply(201, json.dumps(body).encode())


def refused_recipient(number: str, code: int, status: str, http_status: int = 201) -> Reply:
    body = {
        "SMSMessageData": {
            "Message": "Sent to 0/1 Total Cost: 0",
            "Recipients": [{"statusCode": code, "number": number, "status": status, "cost": "0", "messageId": "None"}],
        }
    }
    return Reply(http_status, json.dumps(body).encode())


@dataclass
class FakeAfricasTalking:
    """Speaks POST /version1/messaging like Africa's Talking; replies come from `script` (one per
    request, then `default`), and every request is recorded."""

    port: int = 0
    requests: list[dict] = field(default_factory=list)
    script: list[Callable[[dict], Reply]] = field(default_factory=list)
    default: Callable[[dict], Reply] | None = None
    # requests being answered right now, and the most there ever were at once
    in_flight: int = 0
    max_in_flight: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                request = {"path": self.path, "api_key": self.headers.get("apiKey"), "form": form}
                with fake._lock:
                    fake.requests.append(request)
                    step = fake.script.pop(0) if fake.script else (fake.default or fake.success)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                if self.path != "/version1/messaging":
                    reply = Reply(404, b"Not found", "text/plain")
                elif request["api_key"] != API_KEY:
                    reply = Reply(401, b"The supplied authentication is invalid", "text/plain")
                else:
                    reply = step(request)
                if reply.delay:
                    time.sleep(reply.delay)
                with fake._lock:
                    fake.in_flight -= 1
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:  # the client gave up (timeout tests)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def success(self, request: dict) -> Reply:
        request["accepted"] = True
        return accepted(request["form"]["to"], f"ATXid_{next(self._ids)}")

    def slow_success(self, delay: float) -> Callable[[dict], Reply]:
        def reply(request: dict) -> Reply:
            answer = self.success(request)
            answer.delay = delay
            return answer

        return reply

    @property
    def accepted_count(self) -> int:
        return sum(1 for r in self.requests if r.get("accepted"))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RecordingHandler:
    """aiosmtpd handler keeping each message; `refuse_rcpt` answers 550 to every recipient."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.refuse_rcpt = False
        self.data_reply = ""  # e.g. "451 4.3.0 Try again later": refuse the message at DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode(),
                "peer": session.peer,  # one per SMTP connection
            }
        )
        return "250 Message accepted for delivery"


def start_smtp() -> tuple[Controller, RecordingHandler]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, handler
