"""What the canvas shows of a project: the files as written, the loader's problems and what the generator derives.

One snapshot is one revision of the project's files. The front end builds its graph from `data` (the
merged document) and `derived` (IAM roles with their exact statements, dead-letter queues, the VPC and
the HTTP API as the generator makes them for the chosen environment).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from strands_tf.canvas.project_files import ProjectText, config_started, file_revision
from strands_tf.config.loader import CONFIG_FILENAME, LoadedProject, load_project
from strands_tf.errors import ConfigError, ConfigIssue, StrandsError

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1


def _issue(issue: ConfigIssue, severity: str = "error") -> dict[str, Any]:
    return {"severity": severity, **issue.to_dict()}


def _problem(message: str, *, severity: str = "error", file: str | None = None, line: int | None = None,
             path: str = "", hint: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "severity": severity,
        "file": file,
        "line": line,
        "column": None,
        "path": path,
        "message": message,
        "hint": hint,
    }


def _role_users(graph: Any) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for node in graph.nodes.values():
        if node.module != "strands-agent":
            continue
        ref = str(node.body.get("role_arn", ""))
        role = ref.removeprefix("${module.").split(".", 1)[0]
        users.setdefault(role, []).append(node.owner.name)
    return users


def derive(loaded: LoadedProject, environment: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the generator makes for one environment (roles, DLQs, VPC, API) and its warnings as problems."""
    from strands_tf.config.resolve import resolve
    from strands_tf.generators.synth import infra_graph

    resolved = resolve(loaded, environment)
    graph = infra_graph(loaded, resolved)
    users = _role_users(graph)
    roles = []
    dlqs = []
    names: dict[str, str] = {}
    for node in graph.nodes.values():
        body = node.body
        if node.module == "execution-role":
            roles.append(
                {
                    "id": node.id,
                    "name": body.get("name"),
                    "agents": sorted(users.get(node.id, [])),
                    "statements": body.get("policy_statements", []),
                }
            )
        elif node.module == "sqs-queue" and node.id.startswith("dlq_"):
            dlqs.append({"id": node.id, "owner": f"agent:{node.owner.name}", "name": body.get("name")})
        elif node.module == "sqs-queue" and body.get("create_dead_letter_queue"):
            dlqs.append({"id": f"{node.id}_dlq", "owner": f"resource:{node.owner.name}", "name": f"{body['name']}-dlq"})
        if node.module == "strands-agent":
            names[f"agent:{node.owner.name}"] = str(body.get("name"))
        elif node.owner.kind == "resource" and node.module in ("dynamodb-table", "sqs-queue", "sns-topic", "s3-bucket"):
            names[f"resource:{node.owner.name}"] = str(body.get("name") or body.get("bucket"))
    vpc = None
    env = resolved.environment
    if env.vpc is not None:
        node = graph.nodes.get("vpc")
        vpc = {
            "environment": env.name,
            "created": node is not None,
            "name": node.body.get("name") if node is not None else None,
            "cidr": env.vpc.cidr,
            "ipam_pool_id": env.vpc.ipam_pool_id,
            "nat": env.vpc.nat,
            "availability_zones": env.vpc.availability_zones,
            "endpoints": list(env.vpc.endpoints),
            "agents": sorted(a.name for a in resolved.agents.values() if a.vpc),
        }
    api = None
    api_node = graph.nodes.get("api")
    if api_node is not None:
        api = {
            "name": api_node.body.get("name"),
            "authorization": api_node.body.get("authorization_type"),
            "routes": {
                route: target["function_name"].removeprefix("${module.agent_").split(".", 1)[0]
                for route, target in api_node.body.get("routes", {}).items()
            },
        }
    cost, cost_problem = canvas_cost(resolved, graph)
    warnings = [_problem(w, severity="warning") for w in sorted(set(graph.warnings) | set(resolved.warnings))]
    if cost_problem is not None:
        warnings.append(cost_problem)
    derived = {
        "environment": env.name,
        "target": env.target,
        "region": env.region,
        "roles": sorted(roles, key=lambda r: r["id"]),
        "dlqs": dlqs,
        "vpc": vpc,
        "api": api,
        "names": names,
        "cost": cost,
    }
    return derived, warnings


def _node_id(owner: Any, environment: str) -> str:
    """The canvas node an estimate line belongs to (graph.ts ids)."""
    if owner.kind in ("agent", "resource"):
        return f"{owner.kind}:{owner.name}"
    if owner.kind == "api":
        return "api"
    if owner.kind == "vpc":
        return f"vpc:{environment}"
    return owner.kind  # project (the artifacts bucket), other


def canvas_cost(resolved: Any, graph: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The monthly estimate for the cost panel and the node badges: totals per service and per node."""
    from decimal import Decimal

    from strands_tf.cost.estimate import estimate_configuration, money

    try:
        estimate = estimate_configuration(resolved, graph)
    except StrandsError as exc:
        return None, _problem(f"no cost estimate: {exc.summary}", severity="warning", hint=exc.hint)
    env = resolved.environment.name
    by_node: dict[str, Decimal] = {}
    services: dict[str, dict[str, Decimal]] = {}
    for line in estimate.lines:
        node = _node_id(line.owner, env)
        by_node[node] = by_node.get(node, Decimal(0)) + line.monthly
        per = services.setdefault(node, {})
        per[line.service] = per.get(line.service, Decimal(0)) + line.monthly
    return {
        "currency": estimate.currency,
        "prices": estimate.prices,
        "monthly_total": float(money(estimate.total)),
        "by_service": {k: float(money(v)) for k, v in estimate.by_service().items()},
        "by_node": {k: float(money(v)) for k, v in sorted(by_node.items(), key=lambda kv: (-kv[1], kv[0]))},
        "services_by_node": {k: {s: float(money(v)) for s, v in per.items()} for k, per in services.items()},
        "unpriced": list(estimate.unpriced),
        "warnings": list(estimate.warnings),
    }, None


def build_snapshot(project: ProjectText, environment: str | None, positions: dict[str, Any]) -> dict[str, Any]:
    """The canvas's view of one revision of the project (never raises for a broken configuration)."""
    from strands_tf.config.resolve import choose_environment, environment_names

    problems: list[dict[str, Any]] = []
    loaded: LoadedProject | None = None
    if CONFIG_FILENAME in project.files:
        try:
            loaded = load_project(project.root)
        except ConfigError as exc:
            problems.extend(_issue(issue) for issue in exc.issues)
        except StrandsError as exc:
            problems.append(_problem(exc.summary, hint=exc.hint))
    if loaded is not None:
        _reuse_positions(project, loaded)
    reported = {p["file"] for p in problems}
    for rel, why in project.parse_errors.items():
        if rel not in reported:  # the loader's own message has the exact line
            problems.append(_problem(f"cannot read this file: {why}", file=rel, line=1))
    declared = project.data.get("environments")
    env_names = [str(n) for n in declared] if isinstance(declared, dict) else []
    if "local" not in env_names:
        env_names.append("local")
    chosen = environment if environment in env_names else None
    derived: dict[str, Any] | None = None
    if loaded is not None:
        env_names = environment_names(loaded.config)
        try:
            chosen = choose_environment(loaded.config, environment if environment in env_names else None)
            derived, warnings = derive(loaded, chosen)
            problems.extend(warnings)
        except ConfigError as exc:
            problems.extend(_issue(issue) for issue in exc.issues)
        except StrandsError as exc:
            problems.append(_problem(exc.summary, hint=exc.hint))
        except Exception:  # a generator bug must not take the canvas down; the CLI would show it too
            logger.exception("deriving the graph of %s failed", chosen)
            problems.append(_problem("strands could not build the infrastructure graph (see the server log)"))
    if chosen is None:
        chosen = "dev" if "dev" in env_names else env_names[0]
    return {
        "version": SNAPSHOT_VERSION,
        "revision": project.revision,
        "exists": config_started(project.files.get(CONFIG_FILENAME)),
        # files whose YAML does not parse: the page keeps showing the last graph it could read
        "unreadable": sorted(project.parse_errors),
        "files": {rel: {"text": text, "revision": file_revision(text)} for rel, text in project.files.items()},
        "data": project.data,
        "origins": project.origins,
        "locations": locations(project),
        "problems": problems,
        "valid": loaded is not None and not any(p["severity"] == "error" for p in problems),
        "environments": env_names,
        "environment": chosen,
        "derived": derived,
        "positions": positions,
    }


def _reuse_positions(project: ProjectText, loaded: LoadedProject) -> None:
    """Give the project the loader's line maps of its files, so they are not parsed a second time."""
    maps = {loaded.sources.root.file: loaded.sources.root}
    maps.update({source.file: source for source, _inner in loaded.sources.mounts.values()})
    if set(project.files) <= set(maps):
        project.use_sources({rel: maps[rel] for rel in project.files})


def locations(project: ProjectText) -> dict[str, list[Any]]:
    """File and line of every element the canvas draws (node and edge ids → [file, line])."""
    data = project.data
    out: dict[str, list[Any]] = {}

    def put(node_id: str, path: tuple[str | int, ...]) -> None:
        file, line = project.locate(path)
        out[node_id] = [file, line]

    agents = data.get("agents") if isinstance(data.get("agents"), dict) else {}
    for name, body in (agents or {}).items():
        put(f"agent:{name}", ("agents", name))
        if not isinstance(body, dict):
            continue
        for key, prefix in (("permissions", "perm"), ("triggers", "trigger")):
            items = body.get(key)
            if isinstance(items, list):
                for index in range(len(items)):
                    put(f"{prefix}:{name}:{index}", ("agents", name, key, index))
        api = body.get("api")
        if isinstance(api, dict) and isinstance(api.get("routes"), list):
            for index in range(len(api["routes"])):
                put(f"route:{name}:{index}", ("agents", name, "api", "routes", index))
    resources = data.get("resources") if isinstance(data.get("resources"), dict) else {}
    for name in resources or {}:
        put(f"resource:{name}", ("resources", name))
    environments = data.get("environments") if isinstance(data.get("environments"), dict) else {}
    for name, body in (environments or {}).items():
        put(f"env:{name}", ("environments", name))
        if isinstance(body, dict) and "vpc" in body:
            put(f"vpc:{name}", ("environments", name, "vpc"))
    return out


def project_root_label(root: Path) -> str:
    """The directory name shown in the title bar."""
    return root.resolve().name
