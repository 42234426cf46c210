"""InfraGraph: module instances, data sources and outputs with construct paths and dependencies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# References the generator writes: ${module.<id>.<attr>} and ${data.<type>.<id>.<attr>}
REF_RE = re.compile(r"\$\{(?:module\.([A-Za-z0-9_-]+)|data\.[a-z0-9_]+\.([A-Za-z0-9_-]+))\.[A-Za-z0-9_.\[\]\"]+\}")


@dataclass(frozen=True)
class Owner:
    """The strands.yaml element a node realises (for mapping plans back to YAML lines)."""

    kind: str  # "agent" | "resource" | "api" | "role" | "project"
    name: str


@dataclass
class Node:
    """One top-level construct of a stack: a module instance or a data source."""

    id: str
    block: str  # "module" | "data"
    body: dict[str, Any]
    owner: Owner
    tf_type: str | None = None  # data source type, e.g. aws_caller_identity
    module: str | None = None  # module name under modules/, e.g. strands-agent
    group: str = "shared"  # stack partition hint: "shared", "api" or an agent name
    depends_on: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        """Terraform address of the node inside its stack."""
        return f"module.{self.id}" if self.block == "module" else f"data.{self.tf_type}.{self.id}"


@dataclass
class Output:
    """A stack output a user or `strands dev` needs."""

    id: str
    value: str
    description: str
    owner: Owner
    sensitive: bool = False


@dataclass
class InfraGraph:
    """Everything one environment of a project deploys, before it is cut into stacks."""

    project: str
    environment: str
    nodes: dict[str, Node] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        """Add a node; a second node with the same id is a generator bug, reported loudly."""
        if node.id in self.nodes:
            raise ValueError(f"duplicate construct id {node.id}")
        self.nodes[node.id] = node
        return node

    def add_output(self, output: Output) -> None:
        """Add an output; ids are unique per graph."""
        if output.id in self.outputs:
            raise ValueError(f"duplicate output id {output.id}")
        self.outputs[output.id] = output

    def dependencies(self, node_id: str) -> set[str]:
        """Ids of nodes this node references (explicitly or through ${...} expressions)."""
        node = self.nodes[node_id]
        found = set(node.depends_on)
        for text in iter_strings(node.body):
            for match in REF_RE.finditer(text):
                found.add(match.group(1) or match.group(2))
        found.discard(node_id)
        return found & set(self.nodes)


def iter_strings(value: Any) -> Iterator[str]:
    """Every string inside nested dicts and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_strings(item)
