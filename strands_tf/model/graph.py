"""InfraGraph: module instances, data sources and outputs with construct paths and dependencies."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

# References the generator writes, ${module.<id>.<attr>} and ${data.<type>.<id>.<attr>}, up to the id:
# they are matched in JSON text, where what follows the id may hold escaped quotes (`["key"]`).
_REF_PREFIX_RE = re.compile(rb"\$\{(?:module\.([A-Za-z0-9_-]+)|data\.[a-z0-9_]+\.([A-Za-z0-9_-]+))\.")


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
    """A stack output a user (or a tool reading the outputs file) needs."""

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
        found = set(node.depends_on) | referenced_ids(node.body)
        found.discard(node_id)
        return found & set(self.nodes)


def referenced_ids(value: Any) -> set[str]:
    """Ids of the modules and data sources that ${...} references anywhere inside `value` point at."""
    # one C-speed pass over the serialised value instead of a Python walk over every nested string
    text = orjson.dumps(value)
    if b"${" not in text:
        return set()
    return {(m.group(1) or m.group(2)).decode() for m in _REF_PREFIX_RE.finditer(text)}
