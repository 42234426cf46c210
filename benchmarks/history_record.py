"""Benchmark history records: build (redact, split per resource, archive, hash) and upload to S3 (moto).

Run: .venv/bin/python benchmarks/history_record.py [--events-mb 50] [--resources 200] [--repeat 3]
Builds a synthetic deployment (no Terraform needed) with an events log of the given size, then records it
into a local store and into a bucket on a moto server it starts itself (real HTTP, multipart uploads).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from strands_tf.config import load_project, resolve
from strands_tf.deploy.checkpoint import Checkpoint, CheckpointStore, StackCheckpoint
from strands_tf.history.bucket import BucketSettings, init_bucket
from strands_tf.history.recorder import record_deployment
from strands_tf.history.service import open_history


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


def make_project(root: Path, bucket: str | None) -> None:
    history = {"redact": ["sk-live-[A-Za-z0-9]+", r"ghp_[A-Za-z0-9]{36}"], "prefix": "bench"}
    if bucket:
        history["bucket"] = bucket
    (root / "strands.yaml").write_text(
        f"version: 1\nproject: bench\nregion: us-east-1\nhistory: {json.dumps(history)}\nenvironments:\n  dev: {{}}\n"
    )


def make_deployment(root: Path, events_mb: int, resources: int) -> Path:
    deployment = root / ".strands" / "deployments" / "20261125T150102Z-abcdef"
    stacks = ["bench-dev", "bench-dev-api"]
    out = deployment / "cdktf.out"
    manifest = {"version": "0.21.0", "stacks": {}}
    for name in stacks:
        workdir = out / "stacks" / name
        (workdir / "assets").mkdir(parents=True)
        doc = {"resource": {"aws_lambda_function": {f"fn{i}": {"function_name": f"fn{i}"} for i in range(resources)}}}
        (workdir / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
        (workdir / "assets" / "code.zip").write_bytes(os.urandom(5 * 1024 * 1024))
        manifest["stacks"][name] = {"name": name, "workingDirectory": f"stacks/{name}", "dependencies": []}
    (out / "manifest.json").write_text(json.dumps(manifest))
    plans = deployment / "plans"
    plans.mkdir()
    for name in stacks:
        changes = [{"address": f"aws_lambda_function.fn{i}", "action": "create"} for i in range(resources)]
        summary = {"terraform_version": "1.15.5", "counts": {"create": resources}, "groups": [{"changes": changes}]}
        (plans / f"{name}.summary.json").write_text(json.dumps(summary))
    target = events_mb * 1024 * 1024
    with (deployment / "events.jsonl").open("w") as fh:
        i = 0
        while fh.tell() < target:
            addr = f"aws_lambda_function.fn{i % resources}"
            kind = ("apply_start", "apply_progress", "apply_complete")[i % 3]
            event = {
                "@level": "info",
                "@message": f"{addr}: {kind} " + "." * 200,
                "type": kind,
                "@timestamp": f"2026-11-25T15:{(i // 6000) % 60:02d}:{(i // 100) % 60:02d}.000000Z",
                "hook": {"resource": {"addr": addr}, "action": "create", "elapsed_seconds": 1},
            }
            fh.write(json.dumps({"stack": stacks[i % 2], "phase": "apply", "event": event}) + "\n")
            i += 1
    checkpoint = Checkpoint(
        id=deployment.name,
        command="apply",
        project="bench",
        environment="dev",
        status="succeeded",
        stacks={s: StackCheckpoint(name=s, status="applied") for s in stacks},
        finished_at="2026-11-25T15:20:00+00:00",
    )
    CheckpointStore(deployment, checkpoint).save()
    return deployment


def run(label: str, repeat: int, fn: object) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    print(f"{label:<44} median {statistics.median(times):7.2f} s   min {min(times):7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events-mb", type=int, default=50)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    proc, endpoint = start_moto()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_project(root, None)
            deployment = make_deployment(root, args.events_mb, args.resources)
            size = sum(p.stat().st_size for p in deployment.rglob("*") if p.is_file()) / 1024 / 1024
            print(f"deployment: {size:.0f} MB ({args.events_mb} MB events log, {args.resources} resources x 2 stacks)")
            loaded = load_project(root)
            resolved = resolve(loaded, "dev")
            run("build + local store", args.repeat, lambda: record_deployment(loaded, resolved, deployment))
            make_project(root, "bench-history")
            loaded = load_project(root)
            history = open_history(loaded, resolved)
            init_bucket(history.store.client, BucketSettings("bench-history", "us-east-1", 90, tls_only=False))

            def to_s3() -> None:
                result = record_deployment(loaded, resolved, deployment)
                assert result.uploaded, result.warnings

            run("build + upload to S3 (moto, multipart)", args.repeat, to_s3)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
