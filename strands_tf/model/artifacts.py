"""The artifacts bucket: agent packages that do not go to Lambda directly are uploaded through it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from strands_tf.config.resolve import ResolvedProject
from strands_tf.cost import tags
from strands_tf.errors import ConfigIssue
from strands_tf.model.graph import InfraGraph, Node, Output, Owner
from strands_tf.model.naming import aws_name

ARTIFACTS_NODE = "artifacts"
# Old package versions are only kept for a rollback soon after a deploy (a rollback re-uploads anyway).
NONCURRENT_VERSION_DAYS = 30
# S3 objects take at most 10 tags, and the provider's default_tags count: the tags strands-tf puts on
# every resource (cost.tags.TagManager.default_tags) plus the project's and the environment's.
MAX_OBJECT_TAGS = tags.MAX_OBJECT_TAGS
STRANDS_TAG_KEYS = tags.TOOL_KEYS

Locations = Mapping[tuple[str, str], tuple[str, int | None, int | None]]


def agents_uploading_to_s3(project: ResolvedProject, forced_by_size: Mapping[str, bool]) -> list[str]:
    """Agents whose zips go through the artifacts bucket: `package_upload: s3`, or a zip over 50 MB."""
    return [
        name
        for name, agent in project.agents.items()
        if agent.package_upload == "s3" or forced_by_size.get(name, False)
    ]


def artifacts_bucket_name(project: ResolvedProject, account: str) -> str:
    """`<project>-<env>-artifacts-<account id>`: bucket names are global, the account keeps accounts apart."""
    return f"{aws_name('s3_prefix', project.project, project.environment.name, 'artifacts')}-{account}"


def add_artifacts(
    graph: InfraGraph,
    project: ResolvedProject,
    agents: Iterable[str],
    account: str,
    locations: Locations,
    issues: list[ConfigIssue],
) -> None:
    """Add the versioned artifacts bucket and point the given agents' modules at it (nothing if no agent)."""
    uploading = sorted(agents)
    if not uploading:
        return
    bucket = artifacts_bucket_name(project, account)
    clash = _clashes(graph, bucket, uploading, locations, issues)
    too_many_tags = _too_many_tags(project, uploading, locations, issues)
    if clash or too_many_tags:
        return
    owner = Owner("project", project.project)
    body = {
        "bucket": bucket,
        "versioning": True,
        # only rebuildable packages live here: destroy must succeed with old versions still present
        "force_destroy": True,
        "noncurrent_version_expiration_days": NONCURRENT_VERSION_DAYS,
        "tags": {"strands:purpose": "agent-packages"},
    }
    graph.add(Node(ARTIFACTS_NODE, "module", body, owner, module="s3-bucket", group="shared"))
    reference = f"${{module.{ARTIFACTS_NODE}.bucket_name}}"
    for name in uploading:
        node = graph.nodes[f"agent_{name}"]
        node.body["store_on_s3"] = True
        node.body["s3_bucket"] = reference
    graph.add_output(
        Output(
            "artifacts_bucket_name",
            reference,
            f"Bucket of the agent packages uploaded through S3 ({', '.join(uploading)})",
            owner,
        )
    )


def _clashes(
    graph: InfraGraph, bucket: str, uploading: list[str], locations: Locations, issues: list[ConfigIssue]
) -> bool:
    """A resource bucket with the artifacts bucket's name: say which one and how to get out of the way."""
    for node in graph.nodes.values():
        if node.module != "s3-bucket" or node.body.get("bucket") != bucket:
            continue
        file, line, column = locations.get((node.owner.kind, node.owner.name), ("strands.yaml", None, None))
        issues.append(
            ConfigIssue(
                file,
                line,
                column,
                f"resources.{node.owner.name}",
                f"resource '{node.owner.name}' would create the bucket strands-tf needs for the packages of "
                f"{', '.join(repr(a) for a in uploading)} (`<project>-<env>-artifacts-<account id>`)",
                f"rename resource '{node.owner.name}' or give it a bucket_name of its own",
            )
        )
        return True
    return False


def _too_many_tags(
    project: ResolvedProject, uploading: list[str], locations: Locations, issues: list[ConfigIssue]
) -> bool:
    """Every resource gets the default tags, the uploaded objects too: more than S3 allows fails the apply."""
    user = set(project.tags)
    builtin = STRANDS_TAG_KEYS - user
    if len(builtin) + len(user) <= MAX_OBJECT_TAGS:
        return False
    env = project.environment.name
    file, line, column = locations.get(("agent", uploading[0]), ("strands.yaml", None, None))
    who = ("agent " if len(uploading) == 1 else "agents ") + ", ".join(repr(a) for a in uploading)
    issues.append(
        ConfigIssue(
            file,
            line,
            column,
            f"agents.{uploading[0]}",
            f"{who} deploy{'s' if len(uploading) == 1 else ''} through S3 in environment '{env}', and an S3 object "
            f"takes at most {MAX_OBJECT_TAGS} tags, but every resource there gets {len(builtin) + len(user)} "
            f"({len(builtin)} from strands-tf, {len(user)} from tags:)",
            f"keep at most {MAX_OBJECT_TAGS - len(builtin)} keys in tags: and environments.{env}.tags together, or use "
            "package_upload: auto for agents whose zips are under 50 MB",
        )
    )
    return True
