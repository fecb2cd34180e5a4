"""Twilio's Messages API on localhost, reached by the real twilio library through a proxy.

The schedulers run with HTTPS_PROXY pointing here and REQUESTS_CA_BUNDLE naming a CA made
for this run: the library's own HTTP transport (requests) opens a CONNECT tunnel to
api.twilio.com:443, this proxy answers it with a certificate for api.twilio.com signed by
that CA, and serves the Messages API itself. Nothing leaves the machine: a CONNECT to any
other host is refused (and counted). Every message created is recorded for the audit.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import socket
import ssl
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOST = "api.twilio.com"


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for api.twilio.com it signed (openssl); the paths of
    the CA certificate, the server certificate and the server key."""
    ca_key, ca, key, csr, cert = (
        folder / n for n in ("ca.key", "ca.pem", "tw.key", "tw.csr", "tw.pem")
    )
    ext = folder / "tw.ext"
    ext.write_text(
        f"subjectAltName=DNS:{HOST}\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    steps = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
         "-days", "2", "-subj", "/CN=chatorders soak CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={HOST}"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
    ]  # fmt: skip
    for step in steps:
        subprocess.run(["openssl", *map(str, step)], check=True, capture_output=True)
    return ca, cert, key


class Recorder:
    """What the fake Twilio was asked to send, and what it refused; shared by its threads."""

    def __init__(
        self, account_sid: str, token: str, error_rate: float, seed: int, latency: float = 0.0
    ) -> None:
        self.account_sid, self.token = account_sid, token
        self.error_rate = error_rate
        self.latency = latency  # seconds between recording a send and answering it
        self.random = random.Random(seed)
        self.sends: list[dict[str, Any]] = []
        self.refused: list[str] = []  # tunnels to other hosts, bad credentials
        self.injected_errors = 0
        self.lookups = 0
        self.lock = threading.Lock()

    def authorized(self, header: str | None) -> bool:
        """True when HTTP Basic auth carries the run's account SID and token."""
        expected = base64.b64encode(f"{self.account_sid}:{self.token}".encode()).decode()
        return header == f"Basic {expected}"

    def create(self, form: dict[str, str]) -> dict[str, Any] | None:
        """Record a message (None: answer 503 this time, as Twilio sometimes does)."""
        with self.lock:
            if self.random.random() < self.error_rate:
                self.injected_errors += 1
                return None
            now = datetime.now(UTC)
            record = {
                "sid": "SM" + uuid.uuid4().hex,
                "to": form.get("To", ""),
                "from": form.get("From", ""),
                "body": form.get("Body"),
                "content_sid": form.get("ContentSid"),
                "content_variables": form.get("ContentVariables"),
                "status_callback": form.get("StatusCallback"),
                "at": now.isoformat(),
            }
            self.sends.append(record)
        return resource(record, now)

    def find(
        self, to: str | None, from_: str | None, after: datetime | None
    ) -> list[dict[str, Any]]:
        """Messages sent to `to` from `from_` (since `after`), newest first, as Twilio lists them."""
        with self.lock:
            self.lookups += 1
            found = [
                r for r in self.sends
                if (to is None or r["to"] == to) and (from_ is None or r["from"] == from_)
                and (after is None or datetime.fromisoformat(r["at"]) >= after)
            ]  # fmt: skip
        return [resource(r, datetime.fromisoformat(r["at"])) for r in reversed(found)]


def resource(record: dict[str, Any], at: datetime) -> dict[str, Any]:
    """A Message resource as Twilio's 2010-04-01 API shows it."""
    stamp = format_datetime(at, usegmt=True)
    return {
        "sid": record["sid"], "account_sid": "AC", "to": record["to"], "from": record["from"],
        "body": record["body"] or "", "status": "queued", "direction": "outbound-api",
        "num_segments": "1", "num_media": "0", "date_created": stamp, "date_updated": stamp,
        "date_sent": stamp, "price": None, "error_code": None, "error_message": None,
        "uri": f"/2010-04-01/Accounts/AC/Messages/{record['sid']}.json",
    }  # fmt: skip


class TwilioApi(BaseHTTPRequestHandler):
    """The Messages API inside a tunnel: create (POST) and list (GET) Messages.json."""

    protocol_version = "HTTP/1.1"
    server: ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the run's summary says what happened."""

    def answer(self, status: int, payload: dict[str, Any]) -> None:
        """Send JSON with `status`."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def guard(self) -> bool:
        """True when the request is for Messages.json with the right credentials."""
        recorder = self.server.recorder
        if not urlsplit(self.path).path.endswith("/Messages.json"):
            self.answer(404, {"code": 20404, "message": "not found", "status": 404})
            return False
        if not recorder.authorized(self.headers.get("Authorization")):
            with recorder.lock:
                recorder.refused.append("bad credentials")
            self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return False
        return True

    def do_POST(self) -> None:
        """Create a message."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if not self.guard():
            return
        form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        created = self.server.recorder.create(form)
        time.sleep(self.server.recorder.latency)  # the way back across the world
        if created is None:
            self.answer(503, {"code": 20503, "message": "Service unavailable", "status": 503})
        else:
            self.answer(201, created)

    def do_GET(self) -> None:
        """List messages by To, From and DateSent>."""
        if not self.guard():
            return
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        after = query.get("DateSent>")
        since = None
        if after:
            since = parsedate_to_datetime(after) if "," in after else datetime.fromisoformat(after)
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
        found = self.server.recorder.find(query.get("To"), query.get("From"), since)
        page = {"messages": found[: int(query.get("PageSize", 50))], "page": 0, "page_size": 50,
                "first_page_uri": self.path, "next_page_uri": None, "previous_page_uri": None,
                "uri": self.path, "start": 0, "end": len(found)}  # fmt: skip
        self.answer(200, page)


class Proxy(BaseHTTPRequestHandler):
    """An HTTP proxy that only tunnels to api.twilio.com, and ends the tunnel itself."""

    protocol_version = "HTTP/1.1"
    server: ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def refuse(self, what: str) -> None:
        """Count and refuse anything but a tunnel to Twilio."""
        with self.server.recorder.lock:
            self.server.recorder.refused.append(what)
        self.send_error(403, "the soak proxy only reaches the fake Twilio")

    def do_CONNECT(self) -> None:
        """Open the tunnel and serve the API inside it over TLS."""
        if self.path != f"{HOST}:443":
            self.refuse(f"CONNECT {self.path}")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with contextlib.suppress(ssl.SSLError, OSError):
            TwilioApi(tls, self.client_address, self.server)

    def do_GET(self) -> None:
        """Plain HTTP through the proxy: refused."""
        self.refuse(f"GET {self.path}")

    do_POST = do_GET


class ProxyServer(ThreadingHTTPServer):
    """The proxy's listening socket, its TLS context and the recorder."""

    daemon_threads = True

    def __init__(self, recorder: Recorder, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), Proxy)
        self.recorder, self.tls = recorder, tls

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection that sends each write at once (TCP_NODELAY), as Twilio's
        servers do: with Nagle's algorithm the body written after the headers waited for the
        client's delayed ACK, about 40 ms a send, which held a scheduler to ~11 sends a second."""
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class FakeTwilio:
    """The proxy and fake API, running in threads of this process while the soak runs."""

    def __init__(self, folder: Path, recorder: Recorder) -> None:
        self.ca, cert, key = make_certificates(folder)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        self.recorder = recorder
        self.server = ProxyServer(recorder, tls)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        """Listen."""
        self.thread.start()

    def env(self) -> dict[str, str]:
        """What a process needs so its twilio library reaches this fake and nothing else."""
        proxy = f"http://127.0.0.1:{self.server.server_address[1]}"
        return {
            "HTTPS_PROXY": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy, "http_proxy": proxy,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": str(self.ca),
        }  # fmt: skip

    def stop(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()
