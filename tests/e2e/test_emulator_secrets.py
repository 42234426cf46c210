"""Canary secrets end to end on the emulator: what each way of giving a function a secret guarantees.

Two canaries, deployed by the `strands` command as a user runs it:

- `secrets:` entries (an SSM SecureString parameter and a key of a JSON Secrets Manager secret): the values
  live only in the emulator's SSM and Secrets Manager. They must appear in no file under `.strands/`, no
  history object, no command output and not in the function's configuration, and the packaged runtime
  helper must read them with the function's own environment.
- a literal `environment` value that looks like a secret (the user is warned, with file:line): Terraform
  masks it and strands never shows or records it (plan/apply/list/describe/outputs/history output, the
  state file, history objects). It is still in the Terraform state and the deployment's copy of the stacks
  under `.strands/` (private files) and in the function's configuration: that is why `secrets:` exists.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SSM_CANARY = "CANARY-ssm-7f3a9c1e5b2d"
SECRETSMANAGER_CANARY = "CANARY-secretsmanager-4e8b2a6d0c9f"
LITERAL_CANARY = "sk-CANARYliteral9d2f4a7c1e8b3"
# an alarm hook's URL carries its token (Slack, PagerDuty, Teams hooks): shown and recorded nowhere either
HOOK_CANARY = "https://hooks.example.com/services/T0/B0/CANARYhook5e1d7b3f9a2c"
SECRET_CANARIES = (SSM_CANARY, SECRETSMANAGER_CANARY)
FUNCTION = "simple-assistant-local-assistant"
# the project, and each command's (stdout, stderr) by label
Deployed = tuple[Project, dict[str, tuple[str, str]]]

SECRETS_YAML = """    environment:
      LOG_LEVEL: info
      UPSTREAM_API_KEY: {literal}
    secrets:
      OPENAI_API_KEY: {{ssm: /simple-assistant/openai-key}}
      DB_PASSWORD: {{secretsmanager: simple-assistant/db, key: password}}
"""


def _forms(value: str) -> list[bytes]:
    """The raw value and its JSON-escaped form (what a leak inside JSON text would look like)."""
    return [value.encode(), json.dumps(value)[1:-1].encode()]


def _blobs(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """A file and, for archives (tar.gz, zip), every member, recursively."""
    yield name, data
    if name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
            for member in tar.getmembers():
                handle = tar.extractfile(member)
                if handle is not None:
                    yield from _blobs(f"{name}!{member.name}", handle.read())
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                yield from _blobs(f"{name}!{entry}", archive.read(entry))


def _leaks(blobs: Iterator[tuple[str, bytes]], values: tuple[str, ...]) -> list[str]:
    found = {f"{value} in {name}" for name, data in blobs for value in values for f in _forms(value) if f in data}
    return sorted(found)


def _outputs(outputs: dict[str, tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    for label, (stdout, stderr) in outputs.items():
        yield f"`strands {label}`", (stdout + stderr).encode()


def _files(root: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield from _blobs(str(path.relative_to(root.parent)), path.read_bytes())


def _history_objects(project: Project) -> Iterator[tuple[str, bytes]]:
    s3 = project.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
                yield from _blobs(f"s3://{bucket['Name']}/{item['Key']}", body)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The example with secrets and a literal canary, applied twice (a memory change between), with every
    command's output kept by name."""
    root = tmp_path_factory.mktemp("secrets") / "simple-assistant"
    shutil.copytree(
        REPO / "examples" / "simple-assistant", root, ignore=shutil.ignore_patterns(".strands", "__pycache__")
    )
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    config = root / "strands.yaml"
    text = config.read_text()
    assert "    environment:\n      LOG_LEVEL: info\n" in text
    text = text.replace("    environment:\n      LOG_LEVEL: info\n", SECRETS_YAML.format(literal=LITERAL_CANARY))
    assert "environments:\n" in text
    text = text.replace("environments:\n", f"environments:\n  local:\n    alarms: {{https: ['{HOOK_CANARY}']}}\n", 1)
    config.write_text(text)
    project = Project(root, tmp_path_factory.mktemp("strands-cache"))
    outputs: dict[str, tuple[str, str]] = {}

    def run(label: str, *args: str) -> str:
        proc = project.run(*args)
        outputs[label] = (proc.stdout, proc.stderr)
        return proc.stdout

    try:
        run("emulator start", "emulator", "start")
        project.client("ssm").put_parameter(Name="/simple-assistant/openai-key", Value=SSM_CANARY, Type="SecureString")
        project.client("secretsmanager").create_secret(
            Name="simple-assistant/db", SecretString=json.dumps({"username": "app", "password": SECRETSMANAGER_CANARY})
        )
        run("validate", "validate")
        run("plan", "plan", "-e", "local")
        run("plan --json", "plan", "-e", "local", "--json")
        run("apply", "apply", "-e", "local", "--auto-approve")
        config.write_text(config.read_text().replace("memory: 512", "memory: 768"))
        run("apply 2", "apply", "-e", "local", "--auto-approve")
        run("plan after apply", "plan", "-e", "local")
        run("list --json", "list", "-e", "local", "--json")
        run("list", "list", "-e", "local")
        run("describe --json", "describe", "module.agent_assistant.aws_lambda_function.this", "-e", "local", "--json")
        run("describe", "describe", "module.agent_assistant.aws_lambda_function.this", "-e", "local")
        run("outputs --json", "outputs", "-e", "local", "--json")
        run("outputs", "outputs", "-e", "local")
        records = json.loads(run("history list --json", "history", "list", "-e", "local", "--json"))
        listed = records["records"] if isinstance(records, dict) else records
        ids = sorted(r["id"] for r in listed)
        assert len(ids) == 2, listed
        run("history show", "history", "show", ids[1], "-e", "local")
        run("history diff", "history", "diff", ids[0], ids[1], "-e", "local")
        run("history diff --json", "history", "diff", ids[0], ids[1], "-e", "local", "--json")
        run("history logs", "history", "logs", ids[1], "-e", "local")
        yield project, outputs
    finally:
        project.run("emulator", "stop", ok=(0, 1, 3))


def test_secrets_entries_appear_nowhere(deployed: Deployed) -> None:
    project, outputs = deployed
    assert _leaks(_files(project.root / ".strands"), SECRET_CANARIES) == []
    assert _leaks(_outputs(outputs), SECRET_CANARIES) == []
    # the function holds only where its secrets are
    config = project.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    variables = config["Environment"]["Variables"]
    assert not [v for v in variables.values() if any(c in v for c in SECRET_CANARIES)]
    assert json.loads(variables["STRANDS_SECRETS"]) == {
        "DB_PASSWORD": {"key": "password", "secretsmanager": "simple-assistant/db"},
        "OPENAI_API_KEY": {"ssm": "/simple-assistant/openai-key"},
    }
    assert "OPENAI_API_KEY" not in variables and "DB_PASSWORD" not in variables
    history = list(_history_objects(project))
    assert any("metadata.json" in name for name, _ in history), "the records are in the emulator's S3"
    assert _leaks(iter(history), SECRET_CANARIES) == []


def test_the_literal_canary_is_masked_in_every_view_and_record(deployed: Deployed) -> None:
    project, outputs = deployed
    # the user was told where it is and what to do, without the value being repeated
    warned = "".join(outputs["validate"])
    lines = (project.root / "strands.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "UPSTREAM_API_KEY:" in text)
    assert f"strands.yaml:{line} agents.assistant.environment.UPSTREAM_API_KEY" in warned
    assert "move it to secrets" in warned and "move it to secrets" in "".join(outputs["plan"])
    assert _leaks(_outputs(outputs), (LITERAL_CANARY,)) == []
    assert _leaks(_files(project.root / ".strands" / "state"), (LITERAL_CANARY,)) == []
    assert _leaks(_history_objects(project), (LITERAL_CANARY,)) == []
    described = json.loads(outputs["describe --json"][0])
    variables = described["attributes"]["environment"][0]["variables"]
    assert variables["UPSTREAM_API_KEY"] == "(sensitive)" and variables["LOG_LEVEL"] == "(sensitive)"
    assert variables["STRANDS_PROJECT"] == "simple-assistant"  # generated names stay readable
    # the limits of a literal value (documented): Terraform's state and the function configuration hold it
    tfstate = b"".join(p.read_bytes() for p in (project.root / ".strands" / "tfstate").rglob("*.tfstate"))
    assert LITERAL_CANARY.encode() in tfstate
    config = project.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    assert config["Environment"]["Variables"]["UPSTREAM_API_KEY"] == LITERAL_CANARY


def test_the_alarm_hook_url_is_masked_in_every_view_and_record(deployed: Deployed) -> None:
    project, outputs = deployed
    # not in a resource address (plans, progress, logs, record object names) nor any value strands shows or records
    assert _leaks(_outputs(outputs), (HOOK_CANARY,)) == []
    assert _leaks(_files(project.root / ".strands" / "state"), (HOOK_CANARY,)) == []
    assert _leaks(_history_objects(project), (HOOK_CANARY,)) == []
    history = project.client("s3")
    names = [
        item["Key"]
        for bucket in history.list_buckets()["Buckets"]
        for item in history.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
    ]
    assert not [n for n in names if "CANARYhook" in n or "hooks.example.com%2F" in n], names
    # and the topic does deliver to it
    topic = project.outputs()["alarm_topic_arn"]
    subscriptions = project.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("https", HOOK_CANARY)]


def test_the_role_reads_exactly_the_declared_secrets(deployed: Deployed) -> None:
    project, _outputs = deployed
    iam = project.client("iam")
    role = project.client("lambda").get_function_configuration(FunctionName=FUNCTION)["Role"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role, PolicyName=f"{role}-policy")["PolicyDocument"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    get_secret = "secretsmanager:GetSecretValue"
    parameter = "arn:aws:ssm:us-east-1:123456789012:parameter/simple-assistant/openai-key"
    assert statements["SecretsSsm"]["Resource"] == parameter
    assert sorted(statements["SecretsSsm"]["Action"]) == ["ssm:GetParameter", "ssm:GetParameters"]
    assert statements["SecretsManager"]["Resource"] == (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:simple-assistant/db-??????"
    )
    assert statements["SecretsManager"]["Action"] in (get_secret, [get_secret])


def test_the_packaged_helper_reads_the_values_at_runtime(deployed: Deployed, tmp_path: Path) -> None:
    project, _outputs = deployed
    zips = sorted((project.root / ".strands" / "build" / "local" / "cdktf.out").rglob("assistant-code.zip"))
    assert zips, "the agent's code zip"
    with zipfile.ZipFile(zips[0]) as archive:
        assert "strands_secrets.py" in archive.namelist()
        archive.extractall(tmp_path / "function")
    variables = project.client("lambda").get_function_configuration(FunctionName=FUNCTION)["Environment"]["Variables"]
    env = {
        "PATH": os.environ["PATH"],
        **variables,
        "AWS_ENDPOINT_URL": project.endpoint(),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
    }
    script = (
        "import hashlib, json, os, strands_secrets\n"
        "values = strands_secrets.load()\n"
        "print(json.dumps({k: hashlib.sha256(v.encode()).hexdigest() for k, v in values.items()}))\n"
        "assert os.environ['OPENAI_API_KEY'] == values['OPENAI_API_KEY']\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path / "function", env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    import hashlib

    digests: dict[str, Any] = json.loads(done.stdout)
    assert digests == {
        "OPENAI_API_KEY": hashlib.sha256(SSM_CANARY.encode()).hexdigest(),
        "DB_PASSWORD": hashlib.sha256(SECRETSMANAGER_CANARY.encode()).hexdigest(),
    }
