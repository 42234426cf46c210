"""`strands analyze --llm`: a Strands agent that reads the failed deployment and the configuration and proposes a fix.

The agent gets tools, not the files: it reads the outcome and Terraform's diagnostics, the rule base's
findings, a stack's recent events and plan summary, and strands.yaml (with its fragments); it proposes a
change as operations on strands.yaml (`propose_patch`). Every proposal goes through the same path as any
patch of this tool (round-trip editor, then the loader and every environment's resolution in a scratch
copy); a refused one comes back to the agent with the loader's messages so it can correct itself. Only a
proposal the loader accepted is ever shown. Everything the model reads passes through the history
redactor (built-in secret patterns and `history.redact`).

The model comes from `analyze:` in strands.yaml (any Strands model provider; Bedrock by default) or is a
scripted one (`--model scripted --script FILE`, offline, for tests and demos).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.errors import ConfigError, DependencyError, StrandsError, UserError
from strands_tf.operate.patch import ConfigPatch, PatchOp, plan_patch, validate_patch
from strands_tf.operate.record import DeploymentRecord
from strands_tf.operate.rules import Finding

INSTALL_HINT = "pip install 'strands-tf[analyze]' (the Strands Agents SDK)"
PROVIDERS: dict[str, tuple[str, str, str]] = {
    # provider: (module, class, pip extra of strands-agents that brings its client)
    "bedrock": ("strands.models.bedrock", "BedrockModel", ""),
    "anthropic": ("strands.models.anthropic", "AnthropicModel", "anthropic"),
    "openai": ("strands.models.openai", "OpenAIModel", "openai"),
    "litellm": ("strands.models.litellm", "LiteLLMModel", "litellm"),
    "ollama": ("strands.models.ollama", "OllamaModel", "ollama"),
    "mistral": ("strands.models.mistral", "MistralModel", "mistral"),
    "gemini": ("strands.models.gemini", "GeminiModel", "gemini"),
    "writer": ("strands.models.writer", "WriterModel", "writer"),
    "llamaapi": ("strands.models.llamaapi", "LlamaAPIModel", "llamaapi"),
}
MAX_TOOL_TEXT = 20_000

SYSTEM_PROMPT = """\
You are the failure analyst of strands-tf, a tool that deploys Strands Agents to AWS from one strands.yaml
through Terraform. A deployment failed. Find the cause and the smallest change to strands.yaml that fixes it.

Work like this:
1. read_deployment, then read_findings (a rule base already explained what it recognises: trust it, refine it).
2. read_config to see strands.yaml; read_events or read_plan for one stack when you need detail.
3. If strands.yaml should change, call propose_patch with operations on the merged document:
   {"op": "set", "path": ["agents", "support", "memory"], "value": 1024},
   {"op": "delete", "path": ["resources", "archive", "bucket_name"]},
   {"op": "remove", "kind": "resource", "name": "outbox"} (removes it and every reference to it).
   If it answers with problems, correct the operations and call it again.
   If the fix is outside strands.yaml (a quota, a permission, a resource to delete by hand), do not propose one.
4. Answer in plain text, at most 12 lines: the cause (name the strands.yaml element), then the fix.
"""


def _require_sdk() -> None:
    try:
        importlib.import_module("strands")
    except ImportError:
        raise DependencyError("`strands analyze --llm` needs the Strands Agents SDK", hint=INSTALL_HINT) from None


def build_model(settings: Any, *, region: str, script: Path | None = None) -> Any:
    """The Strands model to ask: scripted from `script`, else the provider `analyze:` names (Bedrock by default)."""
    _require_sdk()
    if script is not None:
        from strands_tf.dev.script import load_script
        from strands_tf.dev.scripted import ScriptedModel

        try:
            return ScriptedModel(turns=load_script(script))
        except ValueError as exc:
            raise UserError(str(exc), hint="a script is a JSON array of replies and {tool, input} calls") from None
    module_name, class_name, extra = PROVIDERS[settings.provider]
    try:
        provider = getattr(importlib.import_module(module_name), class_name)
    except ImportError as exc:
        raise DependencyError(
            f"the {settings.provider} model provider is not installed ({exc.name or exc})",
            hint=f"pip install 'strands-agents[{extra}]'" if extra else INSTALL_HINT,
        ) from None
    params = dict(settings.params)
    if settings.model:
        params["model_id"] = settings.model
    if settings.provider == "bedrock":
        import boto3

        session = boto3.Session(profile_name=settings.profile) if settings.profile else None
        return provider(boto_session=session, region_name=settings.region or region, **params)
    if settings.provider == "ollama":
        return provider(params.pop("host", None), **params)
    return provider(**params)


@dataclass
class Attempt:
    """One `propose_patch` call: the operations and what the loader said."""

    operations: list[dict[str, Any]]
    accepted: bool
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"operations": self.operations, "accepted": self.accepted, "problems": self.problems}


@dataclass
class LlmAnalysis:
    """What the agent concluded: its explanation and the last proposal the loader accepted."""

    explanation: str
    patch: ConfigPatch | None
    attempts: list[Attempt] = field(default_factory=list)
    reason: str | None = None  # the agent's reason for its proposal

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "explanation": self.explanation,
            "reason": self.reason,
            "patch": self.patch.to_json() if self.patch is not None else None,
            "attempts": [a.to_json() for a in self.attempts],
        }


def parse_operations(raw: Any) -> list[PatchOp]:
    """The agent's operations as PatchOps; UserError naming the first malformed one."""
    if not isinstance(raw, list) or not raw:
        raise UserError("operations must be a non-empty list")
    ops: list[PatchOp] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("op") not in ("set", "delete", "remove"):
            raise UserError(f"operation {index}: expected {{op: set|delete|remove, ...}}")
        if item["op"] == "remove":
            if item.get("kind") not in ("agent", "resource") or not isinstance(item.get("name"), str):
                raise UserError(f"operation {index}: remove needs kind (agent or resource) and name")
            ops.append(PatchOp("remove", kind=item["kind"], name=item["name"]))
            continue
        path = item.get("path")
        if not isinstance(path, list) or not path or not all(isinstance(p, str | int) for p in path):
            raise UserError(f"operation {index}: path must be a non-empty list of keys and indexes")
        if item["op"] == "set" and "value" not in item:
            raise UserError(f"operation {index}: set needs a value")
        ops.append(PatchOp(item["op"], tuple(path), item.get("value")))
    return ops


class _Tools:
    """The agent's tools over one record, its findings and the project; they remember the accepted proposal."""

    def __init__(self, record: DeploymentRecord, findings: list[Finding], root: Path, redact: Callable[[str], str]):
        self.record = record
        self.findings = findings
        self.root = root
        self.redact = redact
        self.patch: ConfigPatch | None = None
        self.reason: str | None = None
        self.attempts: list[Attempt] = []

    def _out(self, doc: Any) -> str:
        text = doc if isinstance(doc, str) else json.dumps(doc, indent=1, default=str)
        text = self.redact(text)
        return text if len(text) <= MAX_TOOL_TEXT else text[:MAX_TOOL_TEXT] + "\n… (cut)"

    def read_deployment(self) -> str:
        failures = [{"stack": f.stack, "phase": f.phase, **f.diagnostic.to_dict()} for f in self.record.failures]
        return self._out({**self.record.brief(), "failures": failures})

    def read_findings(self) -> str:
        return self._out([f.to_json() for f in self.findings])

    def read_events(self, stack: str, limit: int = 40) -> str:
        events = self.record.events.get(stack)
        if events is None:
            return self._out(f"no events for stack {stack!r}; stacks: {', '.join(self.record.events) or '(none)'}")
        keep = [e for e in events if e.get("type") not in ("refresh_start", "refresh_complete", "apply_progress")]
        return self._out(keep[-max(1, min(limit, 200)) :])

    def read_plan(self, stack: str) -> str:
        summary = self.record.plan_summaries.get(stack)
        return self._out(summary if summary is not None else f"no plan summary for stack {stack!r}")

    def read_config(self) -> str:
        from strands_tf.canvas.project_files import read_project

        files = self.record.config_files or read_project(self.root).files
        source = "as recorded with the deployment" if self.record.config_files else "as it is in the checkout now"
        return self._out({"note": f"strands.yaml and fragments {source}", "files": files})

    def propose_patch(self, operations: Any, reason: str = "") -> str:
        try:
            ops = parse_operations(operations)
            patch = plan_patch(self.root, ops)
            validate_patch(patch)
        except ConfigError as exc:
            problems = [f"{i.location()}: {i.path}: {i.message}" + (f" ({i.hint})" if i.hint else "")
                        for i in exc.issues]  # fmt: skip
            self.attempts.append(Attempt(_jsonable(operations), False, problems))
            return self._out({"accepted": False, "problems": problems, "next": "correct the operations and retry"})
        except StrandsError as exc:
            self.attempts.append(Attempt(_jsonable(operations), False, [exc.summary]))
            return self._out({"accepted": False, "problems": [exc.summary], "hint": exc.hint})
        if patch.empty:
            self.attempts.append(Attempt(_jsonable(operations), False, ["the operations change nothing"]))
            return self._out({"accepted": False, "problems": ["the operations change nothing"]})
        self.patch, self.reason = patch, reason or None
        self.attempts.append(Attempt([op.to_json() for op in ops], True))
        return self._out({"accepted": True, "diff": patch.diff()})


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


def run_agent(
    model: Any, record: DeploymentRecord, findings: list[Finding], root: Path, redact: Callable[[str], str]
) -> LlmAnalysis:
    """Ask the agent; return its explanation and the last proposal the loader accepted."""
    _require_sdk()
    from strands import Agent, tool

    tools = _Tools(record, findings, root, redact)

    @tool
    def read_deployment() -> str:
        """The failed deployment: outcome per stack, resources whose apply errored, Terraform's error diagnostics."""
        return tools.read_deployment()

    @tool
    def read_findings() -> str:
        """What the rule base recognised: per failure the rule, cause, fix and the strands.yaml element."""
        return tools.read_findings()

    @tool
    def read_events(stack: str, limit: int = 40) -> str:
        """The newest Terraform events of one stack (plan and apply), at most `limit` (up to 200)."""
        return tools.read_events(stack, limit)

    @tool
    def read_plan(stack: str) -> str:
        """The plan summary of one stack: changes per strands.yaml element, replacements, drift."""
        return tools.read_plan(stack)

    @tool
    def read_config() -> str:
        """strands.yaml and the agents' agent.yaml fragments."""
        return tools.read_config()

    @tool
    def propose_patch(operations: list[dict[str, Any]], reason: str) -> str:
        """Propose a strands.yaml change as operations (set/delete with a path, remove with kind and name).

        The loader checks it against every environment; the answer is the diff, or the problems to correct.
        """
        return tools.propose_patch(operations, reason)

    agent = Agent(
        model=model,
        tools=[read_deployment, read_findings, read_events, read_plan, read_config, propose_patch],
        system_prompt=SYSTEM_PROMPT,
        callback_handler=None,
    )
    prompt = (
        f"Deployment {record.id} ({record.command} of {record.project}/{record.environment}) ended "
        f"'{record.status}'. Explain why and propose a fix."
    )
    try:
        result = agent(prompt)
    except StrandsError:
        raise
    except Exception as exc:  # the provider's own errors (credentials, throttling, network)
        raise _provider_error(exc) from exc
    return LlmAnalysis(str(result).strip(), tools.patch, tools.attempts, tools.reason)


def _provider_error(exc: Exception) -> StrandsError:
    """The model provider's failure as a strands error: an AWS one (Bedrock, the default provider) keeps the
    error table's category, so missing credentials or throttling is not reported as a bug in strands-tf."""
    note = "the rule base's findings stand"
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__module__.startswith(("botocore", "boto3")):
            from strands_tf.aws.errors import convert_aws_error

            aws = convert_aws_error(cause)
            return StrandsError(
                f"the model could not be asked: {aws.summary}",
                detail=aws.detail,
                hint=f"{aws.hint} ({note})" if aws.hint else f"check `analyze:` in strands.yaml ({note})",
                category=aws.category,
            )
        cause = cause.__cause__ or cause.__context__
    return StrandsError(
        f"the model could not be asked: {type(exc).__name__}: {exc}",
        hint=f"check `analyze:` in strands.yaml and the provider's credentials; {note}",
    )
