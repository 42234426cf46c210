"""Optimizer passes over the InfraGraph. Each is a pure function: graph in, new graph out."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from strands_tf.errors import ConfigError, ConfigIssue
from strands_tf.model.graph import InfraGraph, Node, Owner

# statements that name the agent's own things; a shared role carries them for every member
_PER_AGENT_SIDS = ("Logs", "Deadletter")
_NAME_FIELDS = {
    "strands-agent": "name",
    "dynamodb-table": "name",
    "sqs-queue": "name",
    "sns-topic": "name",
    "alarm-topic": "name",
    "s3-bucket": "bucket",
    "execution-role": "name",
    "http-api": "name",
}
_ACCOUNT_REF = re.compile(r"\$\{data\.aws_caller_identity\.[a-z_]+\.account_id\}")
Locator = Callable[[Owner], tuple[str, int | None, int | None]]


def _shallow_copy(graph: InfraGraph) -> InfraGraph:
    """A new graph sharing the input's nodes: passes replace the nodes they change instead of mutating them.

    (A deep copy of every node body was most of the optimizer's time on large projects.)
    """
    return InfraGraph(graph.project, graph.environment, dict(graph.nodes), dict(graph.outputs), list(graph.warnings))


def _with_body(node: Node, **changes: Any) -> Node:
    return dataclasses.replace(node, body={**node.body, **changes}, depends_on=list(node.depends_on))


def _conditions_key(statement: Mapping[str, Any]) -> str:
    """Statements with different conditions never merge: the union would loosen one of them."""
    return json.dumps(statement.get("conditions") or [], sort_keys=True)


def merge_statements(graph: InfraGraph) -> InfraGraph:
    """Merge statements of a role that grant the same actions (union of resources), then drop repeats."""
    out = _shallow_copy(graph)
    for node_id, node in graph.nodes.items():
        if node.module != "execution-role":
            continue
        by_actions: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        for statement in node.body["policy_statements"]:
            key = (tuple(statement["actions"]), _conditions_key(statement))
            if key in by_actions:
                merged = by_actions[key]
                merged["resources"] = sorted({*merged["resources"], *statement["resources"]})
                if statement["sid"] not in merged["sid"]:
                    merged["sid"] = (merged["sid"] + statement["sid"])[:100]
            else:
                by_actions[key] = {**statement, "resources": sorted(set(statement["resources"]))}
        out.nodes[node_id] = _with_body(node, policy_statements=sorted(by_actions.values(), key=lambda s: s["sid"]))
    return out


def _portable(statements: list[dict[str, Any]]) -> str:
    return repr(sorted((s["sid"], tuple(s["actions"]), tuple(s["resources"]), _conditions_key(s))
                       for s in statements if s["sid"] not in _PER_AGENT_SIDS))  # fmt: skip


def share_roles(graph: InfraGraph, mode: str, *, role_name: Callable[[str], str]) -> InfraGraph:
    """`iam: shared`: agents whose permissions are identical share one role (least privilege is kept).

    Agents with different permissions keep their own role: sharing would hand each the union.
    """
    out = _shallow_copy(graph)
    if mode != "shared":
        return out
    roles = {n.id: n for n in out.nodes.values() if n.module == "execution-role" and n.owner.kind == "role"}
    groups: dict[str, list[str]] = defaultdict(list)
    for role_id, node in sorted(roles.items()):
        groups[_portable(node.body["policy_statements"])].append(role_id)
    shared = [members for members in groups.values() if len(members) > 1]
    # an agent may itself be called `shared`: never reuse a construct id or role name that exists
    taken_names = {str(n.body.get("name")) for n in out.nodes.values() if n.module == "execution-role"}
    candidates = (f"role_shared_{i}" if i > 1 else "role_shared" for i in itertools.count(1))
    for members in sorted(shared):
        new_id = next(c for c in candidates if c not in out.nodes and role_name(c[len("role_") :]) not in taken_names)
        agents = [roles[m].owner.name for m in members]
        statements: dict[tuple[str, tuple[str, ...], str], set[str]] = defaultdict(set)
        for member in members:
            for s in roles[member].body["policy_statements"]:
                statements[(s["sid"], tuple(s["actions"]), _conditions_key(s))].update(s["resources"])
            del out.nodes[member]
        body = {
            "name": role_name(new_id[len("role_") :]),
            "policy_statements": [
                {
                    "sid": sid,
                    "effect": "Allow",
                    "actions": list(actions),
                    "resources": sorted(resources),
                    **({"conditions": json.loads(conditions)} if conditions != "[]" else {}),
                }
                for (sid, actions, conditions), resources in sorted(statements.items())
            ],
            "tags": {"strands:agents": " ".join(agents)[:256]},
        }
        out.nodes[new_id] = Node(new_id, "module", body, Owner("role", new_id), module="execution-role")
        for agent in agents:
            agent_id = f"agent_{agent}"
            out.nodes[agent_id] = _with_body(out.nodes[agent_id], role_arn=f"${{module.{new_id}.role_arn}}")
    out.nodes = dict(sorted(out.nodes.items()))
    return out


def detect_duplicates(graph: InfraGraph, locate: Locator) -> InfraGraph:
    """Two nodes that would create the same AWS resource name, or the same env var, are an error."""
    issues: list[ConfigIssue] = []
    seen: dict[tuple[str, str], Node] = {}
    for node in graph.nodes.values():
        field = _NAME_FIELDS.get(node.module or "")
        if field is None:
            continue
        name = str(node.body.get(field, ""))
        # the alarm topic is an SNS topic like any other: one name space
        module_kind = "sns-topic" if node.module == "alarm-topic" else node.module or ""
        key = (module_kind, re.sub(r"\.fifo$", "", name))
        other = seen.get(key)
        if other is not None and other.owner != node.owner:
            file, line, col = locate(node.owner)
            issues.append(
                ConfigIssue(
                    file,
                    line,
                    col,
                    f"{node.owner.kind}s.{node.owner.name}",
                    f"{node.owner.kind} '{node.owner.name}' and {other.owner.kind} '{other.owner.name}' would both "
                    f"create the {node.module} named '{_ACCOUNT_REF.sub('<account-id>', name)}'",
                    "rename one of them (names are lower-cased and '_' becomes '-' where AWS requires it)",
                )
            )
        seen.setdefault(key, node)
    for node in graph.nodes.values():
        if node.module != "strands-agent":
            continue
        names: dict[str, str] = {}
        for var in (*node.body.get("environment_variables", {}), *node.body.get("sensitive_environment_variables", {})):
            folded = var.upper()
            if folded in names and names[folded] != var:
                file, line, col = locate(node.owner)
                issues.append(
                    ConfigIssue(
                        file,
                        line,
                        col,
                        f"agents.{node.owner.name}.environment",
                        f"environment variables {names[folded]} and {var} differ only in case",
                    )
                )
            names.setdefault(folded, var)
    if issues:
        raise ConfigError(issues)
    return graph


def optimize(graph: InfraGraph, *, iam_mode: str, role_name: Callable[[str], str], locate: Locator) -> InfraGraph:
    """All passes in order: duplicate detection, statement merging, role sharing."""
    graph = detect_duplicates(graph, locate)
    graph = merge_statements(graph)
    return share_roles(graph, iam_mode, role_name=role_name)


def owner_locator(locations: Mapping[tuple[str, str], tuple[str, int | None, int | None]]) -> Locator:
    """A Locator over a (kind, name) -> (file, line, column) table."""

    def locate(owner: Owner) -> tuple[str, int | None, int | None]:
        return locations.get((owner.kind, owner.name), ("strands.yaml", None, None))

    return locate
