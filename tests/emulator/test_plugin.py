"""The provider process speaks go-plugin: refuses to run by hand, prints a handshake line for Terraform."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

from cryptography import x509

from strands_tf.emulator.provider.plugin import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE

CMD = [sys.executable, "-m", "strands_tf.emulator.provider"]


def test_refuses_to_run_without_terraform() -> None:
    env = {k: v for k, v in os.environ.items() if k != MAGIC_COOKIE_KEY}
    res = subprocess.run(CMD, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "This binary is a plugin" in res.stderr


def test_refuses_protocol_5_only() -> None:
    env = {**os.environ, MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "5"}
    res = subprocess.run(CMD, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "protocol 6" in res.stderr


def test_handshake_line_carries_a_certificate() -> None:
    env = {**os.environ, MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "5,6"}
    proc = subprocess.Popen(CMD, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    core, app, network, address, protocol, cert = line.split("|")
    assert (core, app, network, protocol) == ("1", "6", "unix", "grpc")
    assert address.endswith("plugin.sock")
    der = base64.b64decode(cert + "=" * (-len(cert) % 4))
    assert x509.load_der_x509_certificate(der).subject.rfc4514_string() == "CN=localhost"
    assert not os.path.exists(address)  # the socket's temp dir is removed on exit
