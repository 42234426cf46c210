"""The runtime helper packaged with agents, against a real moto server (SSM and Secrets Manager over HTTP)."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
import uuid
from pathlib import Path
from types import ModuleType

import boto3
import pytest

from strands_tf.runtime import secrets_helper_path
from tests.conftest import MotoServer

pytestmark = [pytest.mark.moto]


@pytest.fixture
def helper(aws_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of strands_secrets (its cache and clients are per process), pointed at moto."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_env.endpoint)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    spec = importlib.util.spec_from_file_location(f"strands_secrets_{uuid.uuid4().hex}", secrets_helper_path())
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def declare(monkeypatch: pytest.MonkeyPatch, refs: dict[str, dict[str, str]]) -> None:
    monkeypatch.setenv("STRANDS_SECRETS", json.dumps(refs))


def test_reads_parameters_and_secret_keys_into_the_environment(
    helper: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"/t/{uuid.uuid4().hex}/openai"
    secret = f"t/{uuid.uuid4().hex}/db"
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=name, Value="value-from-ssm", Type="SecureString")
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=secret, SecretString=json.dumps({"username": "app", "password": "pw-from-sm", "port": 5432})
    )
    declare(
        monkeypatch,
        {
            "OPENAI_API_KEY": {"ssm": name},
            "DB_PASSWORD": {"secretsmanager": secret, "key": "password"},
            "DB_PORT": {"secretsmanager": secret, "key": "port"},
        },
    )
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert helper.names() == ["DB_PASSWORD", "DB_PORT", "OPENAI_API_KEY"]
    values = helper.load()
    assert values == {"OPENAI_API_KEY": "value-from-ssm", "DB_PASSWORD": "pw-from-sm", "DB_PORT": "5432"}
    assert os.environ["OPENAI_API_KEY"] == "value-from-ssm"
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("DB_PASSWORD")
    monkeypatch.delenv("DB_PORT")
    # cached: a changed parameter shows after max_age, not before
    ssm.put_parameter(Name=name, Value="rotated", Type="SecureString", Overwrite=True)
    assert helper.get("OPENAI_API_KEY") == "value-from-ssm"
    assert helper.get("OPENAI_API_KEY", max_age=0) == "rotated"


def test_errors_name_the_secret_and_the_place_never_a_value(
    helper: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"t/{uuid.uuid4().hex}/plain"
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name=secret, SecretString="not-json-VALUE")
    declare(
        monkeypatch,
        {
            "MISSING": {"ssm": f"/t/{uuid.uuid4().hex}/nothing"},
            "PLAIN": {"secretsmanager": secret, "key": "password"},
        },
    )
    with pytest.raises(helper.SecretError, match=r"secret MISSING: cannot read SSM parameter /t/.*ParameterNotFound"):
        helper.get("MISSING")
    with pytest.raises(helper.SecretError, match="is not JSON, so it has no key 'password'") as caught:
        helper.get("PLAIN")
    assert "not-json-VALUE" not in str(caught.value)
    with pytest.raises(helper.SecretError, match=r"secret OTHER is not declared for this function \(declared: MISSING"):
        helper.get("OTHER")
    monkeypatch.setenv("STRANDS_SECRETS", "{broken")
    with pytest.raises(helper.SecretError, match="STRANDS_SECRETS is not valid JSON"):
        helper.names()
    monkeypatch.delenv("STRANDS_SECRETS")
    assert helper.names() == [] and helper.load() == {}


def test_the_helper_needs_only_the_standard_library_and_boto3() -> None:
    tree = ast.parse(secrets_helper_path().read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        str(node.module).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= set(sys.stdlib_module_names) | {"boto3"}, imported
    assert Path(secrets_helper_path()).name == "strands_secrets.py"
