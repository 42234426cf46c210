"""Fixtures for AWS tests: a scripted STS-speaking HTTP server on loopback, targets and factories."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from strands_tf.aws.retry import ClientSettings
from strands_tf.aws.session import AwsSessionFactory

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def sts_error(code: str, message: str, request_id: str = "stub-req-1") -> str:
    """An STS (query protocol) error document."""
    return (
        f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )


def caller_identity(account: str = "123456789012", arn: str | None = None, user_id: str = "AIDASTUB") -> str:
    """A GetCallerIdentity answer."""
    arn = arn or f"arn:aws:iam::{account}:user/stub"
    return (
        f'<GetCallerIdentityResponse xmlns="{STS_NS}"><GetCallerIdentityResult><Arn>{arn}</Arn>'
        f"<UserId>{user_id}</UserId><Account>{account}</Account></GetCallerIdentityResult>"
        "<ResponseMetadata><RequestId>stub-ok</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    )


def assume_role_answer(token: str, *, expires_in: timedelta = timedelta(hours=1)) -> str:
    """An AssumeRole answer whose credentials expire ``expires_in`` from now."""
    expiration = (datetime.now(UTC) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'<AssumeRoleResponse xmlns="{STS_NS}"><AssumeRoleResult><Credentials>'
        f"<AccessKeyId>ASIASTUB{token.upper()}</AccessKeyId><SecretAccessKey>secret-{token}</SecretAccessKey>"
        f"<SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials>"
        "<AssumedRoleUser><AssumedRoleId>AROASTUB:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::111111111111:assumed-role/deployer/s</Arn></AssumedRoleUser></AssumeRoleResult>"
        "<ResponseMetadata><RequestId>stub-assume</RequestId></ResponseMetadata></AssumeRoleResponse>"
    )


@dataclass
class Reply:
    status: int
    body: str
    delay: float = 0.0


@dataclass
class StubAws:
    """A real HTTP server speaking just enough STS: scripted replies per Action, every request recorded."""

    endpoint: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    _scripts: dict[str, list[Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, action: str, *replies: Reply) -> None:
        """Answer ``action`` with these replies in order; the last one repeats."""
        with self._lock:
            self._scripts[action] = list(replies)

    def count(self, action: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.get("Action") == action)

    def next_reply(self, params: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(params)
            replies = self._scripts.get(params.get("Action", ""))
            if not replies:
                return Reply(400, sts_error("InvalidAction", f"stub has no script for {params}"))
            return replies.pop(0) if len(replies) > 1 else replies[0]


def _handler(stub: StubAws) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            params = {k: v[0] for k, v in parse_qs(body).items()}
            params["_authorization"] = self.headers.get("Authorization", "")
            params["_token"] = self.headers.get("X-Amz-Security-Token", "")
            reply = stub.next_reply(params)
            if reply.delay:
                time.sleep(reply.delay)
            data = reply.body.encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "stub-header-id")
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (read timeout tests)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def stub_aws() -> Iterator[StubAws]:
    """A scripted STS endpoint on a free loopback port (real HTTP)."""
    stub = StubAws()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def factory() -> Iterator[AwsSessionFactory]:
    """A session factory with short timeouts; closed after the test."""
    f = AwsSessionFactory(ClientSettings(max_attempts=3, connect_timeout=2, read_timeout=5))
    try:
        yield f
    finally:
        f.close()


@pytest.fixture
def no_imds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore away from the instance metadata endpoint (it would wait for a timeout)."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
