"""The emulator refuses browsers and foreign Host names (real HTTP against the emulator's moto server).

Regression: moto answers any Origin, so any web page could `POST /moto-api/reset` and wipe the emulator,
and a DNS-rebinding page (its own name resolving to 127.0.0.1) could call every AWS API of it.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import boto3
import pytest

from strands_tf.emulator import server

pytestmark = [pytest.mark.moto]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.ServerInfo]:
    info = server.start(log_file=tmp_path_factory.mktemp("guard") / "emulator.log")
    yield info
    server.stop(info)


def _request(info: server.ServerInfo, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", info.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _s3(info: server.ServerInfo) -> object:
    return boto3.client(
        "s3", endpoint_url=info.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},  # sandboxed iframes and file:// pages
        {"Origin": "http://127.0.0.1:3000"},  # another local web app is a browser page too
        {"Sec-Fetch-Site": "cross-site"},  # a browser request that carries no Origin
        {"Host": "attacker.example"},  # DNS rebinding: the page's own name resolves to 127.0.0.1
        {"Host": "attacker.example:4566"},
        {"Host": "10.0.0.5"},
    ],
    ids=[
        "origin",
        "null-origin",
        "loopback-origin",
        "sec-fetch-cross-site",
        "rebound-host",
        "rebound-host-port",
        "lan",
    ],
)
def test_a_browser_or_foreign_host_cannot_reset_the_emulator(emulator: server.ServerInfo, headers: dict) -> None:
    s3 = _s3(emulator)
    s3.create_bucket(Bucket="survives")  # type: ignore[attr-defined]
    status, body = _request(emulator, "POST", "/moto-api/reset", headers)
    assert status == 403
    assert "strands emulator" in body and "refused" in body
    assert "survives" in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # type: ignore[attr-defined]


def test_a_cors_preflight_is_refused(emulator: server.ServerInfo) -> None:
    headers = {"Origin": "https://attacker.example", "Access-Control-Request-Method": "POST"}
    status, _ = _request(emulator, "OPTIONS", "/moto-api/reset", headers)
    assert status == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2", "[::1]", "bucket.localhost"])
def test_sdk_style_requests_on_loopback_names_are_served(emulator: server.ServerInfo, host: str) -> None:
    status, _ = _request(emulator, "GET", "/moto-api/data.json", {"Host": f"{host}:{emulator.port}"})
    assert status == 200


def test_sdk_clients_and_a_typed_url_still_work(emulator: server.ServerInfo) -> None:
    s3 = _s3(emulator)
    s3.create_bucket(Bucket="sdk")  # type: ignore[attr-defined]
    assert "sdk" in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # type: ignore[attr-defined]
    # a user opening the dashboard: the navigation itself carries Sec-Fetch-Site: none
    status, _ = _request(emulator, "GET", "/moto-api/", {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"})
    assert status == 200
