"""Benchmark AWS access: client creation vs cached lookup, identity checks serial vs parallel, child env.

Run: .venv/bin/python benchmarks/aws_sessions.py [--environments 8] [--repeat 5]
Starts its own moto server on a free loopback port (real HTTP); no AWS account, no internet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from strands_tf.aws import AwsSessionFactory, AwsTarget, check_environments, terraform_aws_env


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto_server did not start")


def best_and_median(samples: list[float]) -> str:
    return f"best {min(samples) * 1000:.1f} ms, median {statistics.median(samples) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environments", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    proc, endpoint = start_moto()
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=endpoint,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    os.environ.pop("AWS_PROFILE", None)
    try:
        plain = AwsTarget("dev", "us-east-1")
        cold = []
        for _ in range(args.repeat):
            factory = AwsSessionFactory()
            start = time.perf_counter()
            factory.client("sts", plain)
            cold.append(time.perf_counter() - start)
            factory.close()
        print(f"first client (new session + client):      {best_and_median(cold)}")

        factory = AwsSessionFactory()
        factory.client("sts", plain)
        n = 200_000
        start = time.perf_counter()
        for _ in range(n):
            factory.client("sts", plain)
        per_lookup = (time.perf_counter() - start) / n
        print(f"cached client lookup:                      {per_lookup * 1e6:.2f} µs")

        targets = [
            AwsTarget(
                f"env{i}",
                "us-east-1",
                account=f"{100000000000 + i}",
                role_arn=f"arn:aws:iam::{100000000000 + i}:role/deployer",
            )
            for i in range(args.environments)
        ]
        for workers, label in ((1, "serial"), (8, "parallel (8 threads)")):
            samples = []
            for _ in range(args.repeat):
                f = AwsSessionFactory()
                start = time.perf_counter()
                reports = check_environments(targets, f, max_workers=workers)
                samples.append(time.perf_counter() - start)
                assert all(r.ok for r in reports), [r.error for r in reports if r.error]
                f.close()
            print(f"doctor, {args.environments} role environments, {label:<20} {best_and_median(samples)}")

        role = targets[0]
        terraform_aws_env(role, factory)
        start = time.perf_counter()
        for _ in range(1000):
            terraform_aws_env(role, factory)
        print(f"terraform child env (role, no refresh due): {(time.perf_counter() - start):.3f} ms/call")
        factory.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
