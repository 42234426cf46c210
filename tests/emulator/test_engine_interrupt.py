"""Interrupted and concurrent runs through the mirror-installed provider."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto, pytest.mark.slow]

QUEUES = "\n".join(
    f'resource "aws_sqs_queue" "q{i}" {{\n  name = "emu-int-{i}"\n  tags = {{ n = "{i}" }}\n}}\n' for i in range(30)
)


def test_ctrl_c_to_the_process_group_halts_cleanly_and_the_next_apply_converges(tf_project, moto_server) -> None:
    tf = tf_project(QUEUES)
    tf.init()
    # Ctrl-C reaches every process of the group: Terraform cancels, the providers keep serving until told
    proc = subprocess.Popen(
        [sys.executable, "-m", "strands_tf.terraform.embedded", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=tf.workdir,
        env=tf.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    sqs = client(moto_server.endpoint, "sqs")
    # wait for one of this stack's queues (the moto server is shared: other tests' queues do not count,
    # and a signal before the interpreter installs its handlers would kill it silently)
    while time.monotonic() < deadline and not any("/emu-int-" in u for u in sqs.list_queues().get("QueueUrls", [])):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        assert "execution halted" in (out + err).lower() or "interrupt" in (out + err).lower(), (
            proc.returncode,
            out + err,
        )
    # whatever was created is in the state: the next apply creates only the rest, then nothing is left to do
    tf.apply()
    assert tf.changes() == []
    urls = [u for u in sqs.list_queues().get("QueueUrls", []) if "/emu-int-" in u]
    assert len(urls) == 30
    tf.destroy()
    assert [u for u in sqs.list_queues().get("QueueUrls", []) if "/emu-int-" in u] == []


def test_two_stacks_apply_concurrently(tf_project, tmp_path, moto_server) -> None:
    a = tf_project('resource "aws_sns_topic" "t" {\n  name = "emu-concurrent-a"\n}\n')
    # a second, independent stack directory with its own data dir
    b_dir = tmp_path / "stack-b"
    b_dir.mkdir()
    (b_dir / "main.tf").write_text((a.workdir / "main.tf").read_text().replace("emu-concurrent-a", "emu-concurrent-b"))
    (b_dir / ".terraform.lock.hcl").write_text((a.workdir / ".terraform.lock.hcl").read_text())
    from .tfrun import Terraform

    b = Terraform(b_dir, {**a.env, "TF_DATA_DIR": str(tmp_path / "tfdata-b")})
    for tf in (a, b):
        tf.init()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda tf: tf.apply(), (a, b)))
    sns = client(moto_server.endpoint, "sns")
    names = sorted(t["TopicArn"].rsplit(":", 1)[1] for t in sns.list_topics()["Topics"])
    assert {"emu-concurrent-a", "emu-concurrent-b"} <= set(names)
    assert a.changes() == [] and b.changes() == []
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda tf: tf.destroy(), (a, b)))
