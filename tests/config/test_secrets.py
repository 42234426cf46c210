"""`secrets:` references, secret-looking literal environment values, and masked copies of the config files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from strands_tf.config import load_project, resolve, resolve_all
from strands_tf.config.secrets import MASK, SecretRef, masked_config_texts, secret_reason

AGENT_CODE = "def handler(event, context):\n    return {}\n"


def project(tmp_path: Path, text: str, fragments: dict[str, str] | None = None) -> Path:
    for name in ("support", "triage"):
        (tmp_path / "agents" / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / "agents" / name / "app.py").write_text(AGENT_CODE)
    for name, body in (fragments or {}).items():
        (tmp_path / "agents" / name / "agent.yaml").write_text(body)
    (tmp_path / "strands.yaml").write_text(text)
    return tmp_path


LAYERED = """\
version: 1
project: demo-desk
defaults:
  secrets:
    SHARED: {ssm: /demo/shared}
    DB_PASSWORD: {ssm: /demo/db}
environments:
  prod:
    overrides:
      defaults:
        secrets:
          SHARED: {ssm: /demo/prod/shared}
      agents:
        support:
          secrets:
            DB_PASSWORD: {secretsmanager: prod/db, key: password}
agents:
  support:
    path: agents/support
    secrets:
      OPENAI_API_KEY: {ssm: "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/openai"}
  triage:
    path: agents/triage
"""


def test_secrets_layer_by_name_like_the_other_agent_settings(tmp_path: Path) -> None:
    loaded = load_project(project(tmp_path, LAYERED), env={})
    dev = resolve(loaded, "dev" if "dev" in loaded.config.environments else "local", environ={})
    prod = resolve(loaded, "prod", environ={})
    assert dev.agents["support"].secrets == {
        "DB_PASSWORD": SecretRef(ssm="/demo/db"),
        "OPENAI_API_KEY": SecretRef(ssm="arn:aws:ssm:eu-west-1:123456789012:parameter/acme/openai"),
        "SHARED": SecretRef(ssm="/demo/shared"),
    }
    # an override replaces a secret whole: {secretsmanager} over {ssm} is not merged into both
    assert prod.agents["support"].secrets["DB_PASSWORD"] == SecretRef(secretsmanager="prod/db", key="password")
    assert prod.agents["support"].secrets["SHARED"] == SecretRef(ssm="/demo/prod/shared")
    assert prod.agents["triage"].secrets == {
        "DB_PASSWORD": SecretRef(ssm="/demo/db"),
        "SHARED": SecretRef(ssm="/demo/prod/shared"),
    }


WARNED = """\
version: 1
project: demo-desk
defaults:
  environment: {SERVICE_TOKEN: abcdefghij0123456789XYZ}
environments:
  prod:
    overrides:
      agents:
        support:
          environment:
            DB_PASSWORD: prod-password-1
agents:
  support:
    path: agents/support
    environment:
      LOG_LEVEL: info
      SORT_KEY: created_at
      TABLE: demo-desk-tickets
      OPENAI_API_KEY: sk-proj-0123456789abcdefABCDEF
"""


def test_secret_looking_literals_are_warned_where_they_are_written_without_the_value(tmp_path: Path) -> None:
    fragment = "handler: app.handler\nenvironment:\n  UPSTREAM: AKIAQWERTYUIOPASDFGH\n"
    loaded = load_project(project(tmp_path, WARNED, {"triage": fragment}), env={})
    warnings = sorted({w for p in resolve_all(loaded, environ={}).values() for w in p.warnings})
    located = [w.split(": ", 1)[0] for w in warnings]
    assert located == [
        "agents/triage/agent.yaml:3 agents.triage.environment.UPSTREAM",
        "strands.yaml:11 environments.prod.overrides.agents.support.environment.DB_PASSWORD",
        "strands.yaml:19 agents.support.environment.OPENAI_API_KEY",
        "strands.yaml:4 defaults.environment.SERVICE_TOKEN",
    ]
    for warning in warnings:
        assert "move it to secrets" in warning
        for value in ("abcdefghij0123456789XYZ", "prod-password-1", "sk-proj-0123456789abcdefABCDEF", "AKIAQW"):
            assert value not in warning


@pytest.mark.parametrize(
    ("name", "value", "looks_secret"),
    [
        ("LOG_LEVEL", "info", False),
        ("SORT_KEY", "created_at", False),
        ("MODEL", "us.anthropic.claude-sonnet-4-20250514-v1:0", False),
        ("TABLE", "simple-assistant-local-conversations", False),
        ("ENDPOINT", "https://api.example.com/v1", False),
        ("REQUEST_ID", "123e4567-e89b-12d3-a456-426614174000", False),
        ("GITHUB_TOKEN", "", False),
        ("DB_PASSWORD", "hunter2", True),
        ("STRIPE_KEY", "rk_live_51H", True),
        ("ANYTHING", "sk-abcdefghijklmnop1234", True),
        ("ANYTHING", "AKIAQWERTYUIOPASDFGH", True),
        ("ANYTHING", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
        ("ANYTHING", "ghp_0123456789abcdefghijABCDEFGHIJ012345", True),
        ("ANYTHING", "postgres://app:pa55word@db.internal:5432/app", True),
        ("ANYTHING", "Zq81LmT0abcXyZ9qwe77PLmn", True),
    ],
)
def test_secret_heuristics(name: str, value: str, looks_secret: bool) -> None:
    assert (secret_reason(name, value) is not None) is looks_secret


MASKED = """\
version: 1
project: demo-desk
defaults:
  environment:
    PLAIN: info            # a comment stays
    QUOTED: "1"
    FOLDED: >-
      long value
      over lines
environments:
  prod:
    overrides:
      agents:
        support: {environment: {LEVEL: warn}}
agents:
  support:
    path: agents/support
    environment: &env {SHORT: x, LONG: a-much-longer-value}
    description: info about info
  triage:
    path: agents/triage
"""


def test_masked_copies_hide_every_environment_value_and_stay_the_same_yaml(tmp_path: Path) -> None:
    fragment = "handler: app.handler\nenvironment:\n  FROM_FRAGMENT: 'q'\n"
    root = project(tmp_path, MASKED.replace("  triage:\n    path: agents/triage\n", ""), {"triage": fragment})
    loaded = load_project(root, env={})
    texts = masked_config_texts(loaded)
    main, part = texts[root / "strands.yaml"], texts[root / "agents" / "triage" / "agent.yaml"]
    for secret in ("info            #", '"1"', "long value", "warn", "SHORT: x", "a-much-longer-value", "'q'"):
        assert secret not in main + part, secret
    assert "# a comment stays" in main and "description: info about info" in main
    original, masked = yaml.safe_load((root / "strands.yaml").read_text()), yaml.safe_load(main)
    assert masked["defaults"]["environment"] == dict.fromkeys(original["defaults"]["environment"], MASK)
    assert masked["agents"]["support"]["environment"] == {"SHORT": MASK, "LONG": MASK}
    assert masked["environments"]["prod"]["overrides"]["agents"]["support"]["environment"] == {"LEVEL": MASK}
    masked["defaults"].pop("environment")
    original["defaults"].pop("environment")
    assert masked["agents"]["support"]["description"] == original["agents"]["support"]["description"]
    assert yaml.safe_load(part) == {"handler": "app.handler", "environment": {"FROM_FRAGMENT": MASK}}
    resolved = resolve(loaded, "prod", environ={}).to_json_dict(mask_environment=True)
    assert set(resolved["agents"]["support"]["environment"].values()) == {MASK}
