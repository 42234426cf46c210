"""`apply --code-only` under `--agent`: another agent's changed code in the same stack is left for later."""

from __future__ import annotations

import json
from pathlib import Path

from strands_tf.deploy.code_only import decide
from strands_tf.deploy.executor import StackSpec


def _layout(out: Path, hashes: dict[str, str]) -> None:
    stack = out / "stacks" / "p-e"
    stack.mkdir(parents=True)
    modules = {
        f"agent_{name}": {"source": "./modules/strands-agent", "source_code_hash": h, "tags": {"strands:agent": name}}
        for name, h in hashes.items()
    }
    (stack / "cdk.tf.json").write_text(json.dumps({"module": modules}))
    (out / "manifest.json").write_text(json.dumps({"stacks": {"p-e": {"workingDirectory": "stacks/p-e"}}}))


def test_code_only_targets_only_the_selected_agents_of_a_shared_stack(tmp_path: Path) -> None:
    baseline = tmp_path / "deployments" / "20260101T000000Z-aaaaaa"
    _layout(baseline / "cdktf.out", {"a": "old-a", "b": "old-b"})
    current = tmp_path / "build"
    _layout(current, {"a": "new-a", "b": "new-b"})

    everything = decide(current, baseline, [StackSpec("p-e", current / "stacks" / "p-e")])
    assert everything.targets == {"p-e": ["module.agent_a", "module.agent_b"]}

    selected = StackSpec("p-e", current / "stacks" / "p-e", targets=("module.agent_a", "module.role_a"))
    only_a = decide(current, baseline, [selected])
    assert only_a.possible
    assert only_a.targets == {"p-e": ["module.agent_a"]}
    assert only_a.agents == ["a"]

    neither = decide(current, baseline, [StackSpec("p-e", current / "stacks" / "p-e", targets=("module.agent_c",))])
    assert not neither.possible
