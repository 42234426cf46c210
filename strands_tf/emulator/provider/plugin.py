"""The go-plugin side of a Terraform provider process: magic cookie, mTLS certificate, handshake line."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent import futures
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2_grpc as rpc

from strands_tf.emulator.provider.reattach import REATTACH_ADDRESS
from strands_tf.emulator.provider.schema import ProviderSchema
from strands_tf.emulator.provider.servicer import ProviderService

log = logging.getLogger(__name__)

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
APP_PROTOCOL_VERSION = 6
CORE_PROTOCOL_VERSION = 1


def _certificate() -> tuple[bytes, bytes, bytes]:
    """A fresh self-signed certificate for this process only (never written to disk): key, cert, DER."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)


class _Controller(controller_rpc.GRPCControllerServicer):
    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def Shutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._stop.set()
        return controller_pb.Empty()


class _Stdio(stdio_rpc.GRPCStdioServicer):
    def StreamStdio(self, request: Any, context: grpc.ServicerContext) -> Any:
        return iter(())


def serve(schema: ProviderSchema) -> int:
    """Run the provider until Terraform shuts it down; returns the process exit code."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write(
            "This binary is a plugin. These are not meant to be executed directly.\n"
            "Please execute the program that consumes these plugins, which will\n"
            "load any plugins automatically\n"
        )
        return 1
    versions = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(APP_PROTOCOL_VERSION)).split(",")
    if str(APP_PROTOCOL_VERSION) not in [v.strip() for v in versions]:
        sys.stderr.write(f"this provider speaks plugin protocol 6 only; Terraform offered {versions}\n")
        return 1

    stop = threading.Event()
    # like go-plugin servers: Ctrl-C goes to the whole process group, and Terraform decides when its
    # providers stop (StopProvider / Shutdown); SIGTERM still ends the process cleanly
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated = False

    def on_term(_signum: int, _frame: Any) -> None:
        nonlocal terminated
        terminated = True  # a flag, not stop.set(): see wait_for_stop

    signal.signal(signal.SIGTERM, on_term)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    rpc.add_ProviderServicer_to_server(ProviderService(schema), server)
    controller_rpc.add_GRPCControllerServicer_to_server(_Controller(stop), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(_Stdio(), server)

    key_pem, cert_pem, cert_der = _certificate()
    # go-plugin's client presents PLUGIN_CLIENT_CERT only when asked with a matching CA list, which gRPC's
    # TLS stack does not send; the socket lives in a private temp dir, so server-side TLS is what matters.
    creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="strands-tf-provider-") as tmp:
        sock = os.path.join(tmp, "plugin.sock")
        server.add_secure_port(f"unix://{sock}", creds)
        server.start()
        cert_b64 = base64.b64encode(cert_der).decode().rstrip("=")
        sys.stdout.write(f"{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|unix|{sock}|grpc|{cert_b64}\n")
        sys.stdout.flush()
        # wait in slices: Terraform's Shutdown sets `stop`, a SIGTERM the flag
        while not stop.wait(0.2) and not terminated:
            pass
        server.stop(grace=0.5).wait()
    return 0


def wait_for_stop(parent: int, interval: float = 0.02) -> None:
    """Return on SIGTERM (the end of a stack phase) or once `parent` is no longer this process's parent.

    The handler only sets a flag: a handler that takes a lock (threading.Event.set) deadlocks when the signal
    lands while the main thread holds that same lock inside Event.wait, and the process then outlived strands.
    """
    stopping = False

    def on_term(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    while not stopping and os.getppid() == parent:
        time.sleep(interval)  # a signal interrupts the sleep; the handler runs, the loop ends


def serve_reattach(schema: ProviderSchema) -> int:
    """Serve an unmanaged provider for ``TF_REATTACH_PROVIDERS``: print the reattach JSON, run until SIGTERM.

    Terraform then connects to this process instead of launching the provider itself (no mirror, no lock
    file, one start instead of several per command). go-plugin reattachment is plaintext gRPC, so the
    socket lives in a directory only this user can enter.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # strands stops this process when it is done; when strands itself is killed (kill -9, OOM) nobody will, so
    # the process ends once it is handed to another parent
    parent = os.getppid()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    rpc.add_ProviderServicer_to_server(ProviderService(schema), server)
    tmp = tempfile.mkdtemp(prefix="strands-tf-provider-")  # mode 0700
    sock = os.path.join(tmp, "plugin.sock")
    try:
        server.add_insecure_port(f"unix://{sock}")
        server.start()
        reattach = {
            REATTACH_ADDRESS: {
                "Protocol": "grpc",
                "ProtocolVersion": APP_PROTOCOL_VERSION,
                "Pid": os.getpid(),
                "Test": True,
                "Addr": {"Network": "unix", "String": sock},
            }
        }
        sys.stdout.write(json.dumps(reattach) + "\n")
        sys.stdout.flush()
        wait_for_stop(parent)
        server.stop(grace=0.5).wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0
