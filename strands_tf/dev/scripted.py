"""`strands dev --model scripted`: a Strands model provider that answers from a script, offline.

Installed in the dev worker before the agent's code is imported, it takes the place of BedrockModel (also
the default model of `Agent()`), so an agent runs end to end with no Bedrock access. Replies come from a
script file (a JSON array, used in order and then from the start again): a string is a text reply, an
object `{"tool": NAME, "input": {...}}` asks the agent to call that tool (the next entry answers after the
tool ran). Without a script every reply echoes the prompt: `(scripted) <the user's text>`.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from strands.models.model import Model

from strands_tf.dev.script import load_script

_TURNS: list[Any] = []
_position = 0
_lock = threading.Lock()


def _next_turn() -> Any:
    global _position
    with _lock:
        if not _TURNS:
            return None
        turn = _TURNS[_position % len(_TURNS)]
        _position += 1
        return turn


def _last_text(messages: list[Any]) -> str:
    """The text of the newest message (a user prompt, or what a tool returned)."""
    if not messages:
        return ""
    parts: list[str] = []
    for block in messages[-1].get("content", []):
        if "text" in block:
            parts.append(str(block["text"]))
        elif "toolResult" in block:
            for item in block["toolResult"].get("content", []):
                if "text" in item:
                    parts.append(str(item["text"]))
                elif "json" in item:
                    parts.append(json.dumps(item["json"]))
    return " ".join(parts)


class ScriptedModel(Model):
    """Streams scripted replies in the Bedrock ConverseStream event shape that Strands consumes.

    `turns` gives this instance its own script (used once, in order; then it echoes); without it the
    process-wide script of `install` is used.
    """

    def __init__(self, *args: Any, turns: list[Any] | None = None, **config: Any) -> None:
        self.config = dict(config)
        self._turns = list(turns) if turns is not None else None

    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> Any:
        return self.config

    async def structured_output(self, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        raise NotImplementedError("the scripted model does not produce structured output")
        yield  # pragma: no cover

    async def stream(
        self, messages: Any, tool_specs: Any = None, system_prompt: Any = None, **kwargs: Any
    ) -> AsyncGenerator[Any, None]:
        turn = (self._turns.pop(0) if self._turns else None) if self._turns is not None else _next_turn()
        yield {"messageStart": {"role": "assistant"}}
        if isinstance(turn, dict):
            tool_use = {"toolUseId": f"tooluse_{uuid.uuid4().hex[:12]}", "name": turn["tool"]}
            yield {"contentBlockStart": {"start": {"toolUse": tool_use}}}
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(turn.get("input") or {})}}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "tool_use"}}
        else:
            text = turn if isinstance(turn, str) else f"(scripted) {_last_text(messages)}"
            yield {"contentBlockStart": {"start": {}}}
            yield {"contentBlockDelta": {"delta": {"text": text}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "end_turn"}}
        usage = {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}
        yield {"metadata": {"usage": usage, "metrics": {"latencyMs": 0}}}


def install(script: str | None = None) -> None:
    """Make BedrockModel (and Agent's default model) the scripted model in this process."""
    import strands.agent.agent as agent_module
    import strands.models as models
    import strands.models.bedrock as bedrock

    global _TURNS, _position
    _TURNS = load_script(script) if script else []
    _position = 0
    models.BedrockModel = ScriptedModel  # type: ignore[misc,assignment]
    bedrock.BedrockModel = ScriptedModel  # type: ignore[misc,assignment]
    agent_module.BedrockModel = ScriptedModel  # type: ignore[attr-defined]
