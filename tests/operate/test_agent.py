"""`strands analyze --llm`: the Strands agent with a scripted model, its tools, the loader gate and redaction."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from strands_tf.config.models import AnalyzeConfig
from strands_tf.dev.scripted import ScriptedModel
from strands_tf.errors import Category, DependencyError, StrandsError, UserError
from strands_tf.history.redact import Redactor
from strands_tf.operate.agent import build_model, parse_operations, run_agent
from strands_tf.operate.record import DeploymentRecord, Failure
from strands_tf.terraform.diagnostics import Diagnostic

CONFIG = """\
version: 1
project: demo
environments:
  local: {target: emulator}
agents:
  support:
    path: agents/support
    handler: app.handler
    environment:
      LEGACY_KEY: AKIAABCDEFGHIJKLMNOP   # a key someone pasted
    triggers: [{queue: outbox}]
resources:
  outbox: {type: sqs}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(CONFIG)
    return tmp_path


def _record() -> DeploymentRecord:
    failure = Failure(
        "demo-local",
        "apply",
        Diagnostic("error", "creating SQS Queue (demo-local-outbox): QueueAlreadyExists",
                   "The specified queue already exists.", "module.queue_outbox.aws_sqs_queue.this"),
    )  # fmt: skip
    return DeploymentRecord("20261201T100000Z-abcdef", "demo", "local", "apply", "failed", "test", failures=[failure])


def _redact(text: str) -> str:
    return Redactor().text(text)[0]


def test_the_agent_corrects_a_refused_proposal_and_only_the_checked_one_is_kept(project: Path) -> None:
    seen: list[str] = []
    turns = [
        {"tool": "read_deployment", "input": {}},
        {"tool": "read_config", "input": {}},
        {"tool": "propose_patch", "input": {"operations": [
            {"op": "set", "path": ["resources", "outbox", "visibility_timeout"], "value": -5}], "reason": "x"}},
        {"tool": "propose_patch", "input": {"operations": [{"op": "remove", "kind": "resource", "name": "outbox"}],
                                            "reason": "the queue is someone else's"}},
        "The queue demo-local-outbox exists outside this deployment: remove resource outbox.",
    ]  # fmt: skip

    class Watching(ScriptedModel):
        async def stream(self, messages, tool_specs=None, system_prompt=None, **kwargs):  # type: ignore[no-untyped-def]
            if messages and messages[-1]["role"] == "user":
                for block in messages[-1]["content"]:
                    for item in block.get("toolResult", {}).get("content", []):
                        seen.append(item.get("text", ""))
            async for event in super().stream(messages, tool_specs, system_prompt, **kwargs):
                yield event

    analysis = run_agent(Watching(turns=turns), _record(), [], project, _redact)
    assert analysis.explanation.startswith("The queue demo-local-outbox exists")
    assert [a.accepted for a in analysis.attempts] == [False, True]
    assert "visibility_timeout" in analysis.attempts[0].problems[0] and "minimum" in analysis.attempts[0].problems[0]
    assert analysis.reason == "the queue is someone else's"
    assert analysis.patch is not None and "outbox" not in analysis.patch.after["strands.yaml"]
    assert (project / "strands.yaml").read_text() == CONFIG  # proposing writes nothing
    # what the model read: the deployment's failure, and the config with the pasted key redacted
    assert any("QueueAlreadyExists" in text for text in seen)
    config_seen = next(text for text in seen if "LEGACY_KEY" in text)
    assert "AKIAABCDEFGHIJKLMNOP" not in config_seen and "(redacted)" in config_seen


def test_a_model_that_proposes_nothing_valid_leaves_no_patch(project: Path) -> None:
    turns = [
        {"tool": "propose_patch", "input": {"operations": [{"op": "rename", "path": ["x"]}], "reason": ""}},
        {
            "tool": "propose_patch",
            "input": {
                "operations": [{"op": "set", "path": ["agents", "nobody", "memory"], "value": 1024}],
                "reason": "",
            },
        },
        "I could not find a fix in strands.yaml.",
    ]
    analysis = run_agent(ScriptedModel(turns=turns), _record(), [], project, _redact)
    assert analysis.patch is None and [a.accepted for a in analysis.attempts] == [False, False]
    assert "set|delete|remove" in analysis.attempts[0].problems[0]


class _Unreachable(ScriptedModel):
    """A provider that fails before answering, as Bedrock does without credentials."""

    def __init__(self, error: Exception) -> None:
        super().__init__(turns=[])
        self._error = error

    async def stream(self, messages, tool_specs=None, system_prompt=None, **kwargs):  # type: ignore[no-untyped-def, override]
        raise self._error
        yield  # an async generator, like every model's stream


def test_a_provider_without_credentials_is_a_credentials_error_not_a_bug(project: Path) -> None:
    import botocore.exceptions

    with pytest.raises(StrandsError) as caught:
        run_agent(_Unreachable(botocore.exceptions.NoCredentialsError()), _record(), [], project, _redact)
    assert caught.value.category == Category.CREDENTIALS and caught.value.exit_code == 3
    assert caught.value.summary.startswith("the model could not be asked: ")
    assert "the rule base's findings stand" in (caught.value.hint or "")


def test_operations_are_checked_before_anything_is_edited() -> None:
    with pytest.raises(UserError, match="non-empty list"):
        parse_operations([])
    with pytest.raises(UserError, match="path must be"):
        parse_operations([{"op": "set", "path": "agents.x", "value": 1}])
    with pytest.raises(UserError, match="set needs a value"):
        parse_operations([{"op": "set", "path": ["agents", "x", "memory"]}])
    with pytest.raises(UserError, match="remove needs kind"):
        parse_operations([{"op": "remove", "kind": "vpc", "name": "x"}])
    ops = parse_operations([{"op": "delete", "path": ["agents", "x", "memory"]}])
    assert ops[0].describe() == "delete agents.x.memory"


def test_the_model_comes_from_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "replies.json"
    script.write_text(json.dumps(["hello"]))
    assert isinstance(build_model(AnalyzeConfig(), region="us-east-1", script=script), ScriptedModel)
    script.write_text("{")
    with pytest.raises(UserError, match="not valid JSON"):
        build_model(AnalyzeConfig(), region="us-east-1", script=script)
    bedrock = build_model(AnalyzeConfig(model="us.anthropic.claude-sonnet-4-20250514-v1:0", region="eu-west-1",
                                        params={"temperature": 0.1}), region="us-east-1")  # fmt: skip
    assert type(bedrock).__name__ == "BedrockModel"
    assert bedrock.get_config()["model_id"] == "us.anthropic.claude-sonnet-4-20250514-v1:0"
    assert bedrock.client.meta.region_name == "eu-west-1"
    import builtins

    real_import = builtins.__import__

    def no_strands(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "strands" or name.startswith("strands."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_strands)
    monkeypatch.setattr("importlib.import_module", lambda name: no_strands(name))
    with pytest.raises(DependencyError, match="Strands Agents SDK") as caught:
        build_model(SimpleNamespace(provider="bedrock"), region="us-east-1")
    assert "strands-tf[analyze]" in (caught.value.hint or "")
