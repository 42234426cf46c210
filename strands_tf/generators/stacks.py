"""Cut an InfraGraph into stacks and wire cross-stack references the way CDKTF does."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from strands_tf.model.graph import InfraGraph, Node, Output, referenced_ids

_MODULE_REF = re.compile(r"\$\{module\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\}")


@dataclass
class Stack:
    """One Terraform working directory: its nodes, outputs and the stacks it reads from."""

    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    remote_state: dict[str, str] = field(default_factory=dict)  # data source id -> source stack name
    dependencies: list[str] = field(default_factory=list)

    @property
    def modules(self) -> list[str]:
        """Module names (under modules/) the stack uses, sorted."""
        return sorted({n.module for n in self.nodes.values() if n.module})


def stack_names(project: str, environment: str) -> str:
    """Name of the main (or only) stack: `<project>-<env>`."""
    return f"{project}-{environment}"


def partition(graph: InfraGraph, mode: str) -> list[Stack]:
    """`single`: one stack. `per_agent`: shared resources, one stack per agent, and the API last."""
    main = stack_names(graph.project, graph.environment)
    if mode != "per_agent":
        stack = Stack(main, dict(graph.nodes), dict(graph.outputs))
        return [stack]
    stacks: dict[str, Stack] = {}

    def stack_for(group: str) -> Stack:
        name = main if group == "shared" else f"{main}-{group}"
        return stacks.setdefault(name, Stack(name))

    for node in graph.nodes.values():
        if node.block == "data":
            continue
        stack_for(node.group).nodes[node.id] = copy.deepcopy(node)
    home = {node_id: s.name for s in stacks.values() for node_id in s.nodes}
    data_nodes = [n for n in graph.nodes.values() if n.block == "data"]
    for stack in stacks.values():
        for data in data_nodes:
            stack.nodes[data.id] = copy.deepcopy(data)
        stack.nodes = dict(sorted(stack.nodes.items()))
    for output in graph.outputs.values():
        refs = [m.group(1) for m in _MODULE_REF.finditer(output.value)]
        target = home.get(refs[0], main) if refs else main
        stacks[target].outputs[output.id] = output
    by_name = {s.name: s for s in stacks.values()}
    for stack in stacks.values():
        for node in stack.nodes.values():
            node.body = _rewrite(node.body, stack, home, by_name)
    ordered = _topological(list(stacks.values()))
    return ordered


def cross_stack_output_id(expression: str) -> str:
    """CDKTF's output id for a referenced expression: `cross-stack-output-` + the expression without dots."""
    return "cross-stack-output-" + expression.replace(".", "")


def _rewrite(value: Any, stack: Stack, home: dict[str, str], stacks: dict[str, Stack]) -> Any:
    if isinstance(value, dict):
        return {k: _rewrite(v, stack, home, stacks) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, stack, home, stacks) for v in value]
    if not isinstance(value, str) or "${module." not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        module_id, attr = match.group(1), match.group(2)
        source_name = home.get(module_id)
        if source_name is None or source_name == stack.name:
            return match.group(0)
        expression = f"module.{module_id}.{attr}"
        output_id = cross_stack_output_id(expression)
        source = stacks[source_name]
        if output_id not in source.outputs:
            source.outputs[output_id] = Output(
                output_id, f"${{{expression}}}", f"read by stack {stack.name}", source.nodes[module_id].owner, True
            )
        data_id = f"cross-stack-reference-input-{source_name}"
        stack.remote_state[data_id] = source_name
        if source_name not in stack.dependencies:
            stack.dependencies.append(source_name)
        return f"${{data.terraform_remote_state.{data_id}.outputs.{output_id}}}"

    return _MODULE_REF.sub(replace, value)


def _topological(stacks: list[Stack]) -> list[Stack]:
    """Stacks in dependency order (dependencies first), ties broken by name; a cycle is a bug."""
    by_name = {s.name: s for s in stacks}
    done: list[Stack] = []
    seen: set[str] = set()
    visiting: set[str] = set()

    def visit(stack: Stack) -> None:
        if stack.name in seen:
            return
        if stack.name in visiting:
            raise ValueError(f"stack dependency cycle through {stack.name}")
        visiting.add(stack.name)
        for dep in sorted(stack.dependencies):
            visit(by_name[dep])
        visiting.discard(stack.name)
        seen.add(stack.name)
        stack.dependencies.sort()
        done.append(stack)

    for stack in sorted(stacks, key=lambda s: s.name):
        visit(stack)
    return done


def unresolved_references(stack: Stack) -> list[str]:
    """References to nodes that are not in the stack (must be empty after partitioning)."""
    missing: list[str] = []
    for node in stack.nodes.values():
        for target in sorted(referenced_ids(node.body)):
            if target not in stack.nodes and target not in stack.remote_state:
                missing.append(f"{node.id} -> {target}")
    for output in stack.outputs.values():
        for target in sorted(referenced_ids(output.value)):
            if target not in stack.nodes:
                missing.append(f"output {output.id} -> {target}")
    return missing
