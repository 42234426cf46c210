"""Orphans: resources a deployment created in AWS that never reached Terraform's state.

When the process running an apply dies mid-way (SIGKILL, power loss), Terraform may have created a resource
without writing it to its state; the next apply then tries to create it again and fails with "already
exists". Such a resource is found by what strands would create: every planned `create` whose name already
exists in the account. It is ours when it carries the project's tags (`strands:project`,
`strands:environment`, set on everything strands deploys) and its name follows strands' naming scheme
(`<project>-<environment>-…`, strands_tf/model/naming.py). Ours can be adopted (imported into the stack's
state by Terraform, with `import` blocks, so the next apply manages it) or deleted (through the AWS API:
Terraform cannot delete what is in no state); a same-named resource that is not ours is reported and never
touched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.deploy.executor import DeployContext, StackSpec, plan_stack, waves
from strands_tf.errors import StrandsError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_text, private_mkdir

log = logging.getLogger(__name__)

PROJECT_TAG = "strands:project"
ENVIRONMENT_TAG = "strands:environment"


@dataclass(frozen=True)
class Orphan:
    """A resource that exists in AWS under a name a planned `create` wants."""

    stack: str
    address: str
    type: str
    name: str
    import_id: str
    tags: dict[str, str]
    ours: bool
    reason: str  # why it is (or is not) ours

    def to_json(self) -> dict[str, Any]:
        """JSON form (`strands orphans --json`)."""
        return {
            "stack": self.stack,
            "address": self.address,
            "type": self.type,
            "name": self.name,
            "import_id": self.import_id,
            "ours": self.ours,
            "reason": self.reason,
            "tags": self.tags,
        }


# a boto3 client of the environment's target, by service name
ClientFor = Callable[[str], Any]


def _missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    # SQS answers 400 AWS.SimpleQueueService.NonExistentQueue (QueueDoesNotExist in its JSON protocol)
    return status == 404 or any(word in code for word in ("NotFound", "NoSuch", "NonExistent", "DoesNotExist"))


def _tag_map(items: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    if isinstance(items, dict):
        return {str(k): str(v) for k, v in items.items()}
    return {str(i[key]): str(i[value]) for i in items or [] if key in i and value in i}


# type → (attribute of the planned `after` holding the name, lookup(client, name) → (import id, tags) or None)
Lookup = Callable[[ClientFor, str], "tuple[str, dict[str, str]] | None"]


def _iam_role(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    iam = client("iam")
    iam.get_role(RoleName=name)
    return name, _tag_map(iam.list_role_tags(RoleName=name).get("Tags"))


def _lambda_function(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    fn = client("lambda").get_function(FunctionName=name)
    return name, _tag_map(fn.get("Tags") or {})


def _log_group(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    logs = client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
    if not any(g.get("logGroupName") == name for g in groups):
        return None
    return name, _tag_map(logs.list_tags_log_group(logGroupName=name).get("tags") or {})


def _dynamodb_table(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    ddb = client("dynamodb")
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    return name, _tag_map(ddb.list_tags_of_resource(ResourceArn=arn).get("Tags"))


def _s3_bucket(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    s3 = client("s3")
    s3.head_bucket(Bucket=name)
    try:
        tags = _tag_map(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
    except ClientError as exc:
        if "NoSuchTagSet" not in str(exc.response.get("Error", {}).get("Code", "")):
            raise
        tags = {}
    return name, tags


def _sqs_queue(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return url, _tag_map(sqs.list_queue_tags(QueueUrl=url).get("Tags") or {})


def _sns_topic(client: ClientFor, name: str) -> tuple[str, dict[str, str]] | None:
    sns = client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            arn = topic.get("TopicArn", "")
            if arn.rsplit(":", 1)[-1] == name:
                return arn, _tag_map(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"))
    return None


def _delete_iam_role(client: ClientFor, orphan: Orphan) -> None:
    iam = client("iam")
    for attached in iam.list_attached_role_policies(RoleName=orphan.import_id).get("AttachedPolicies", []):
        iam.detach_role_policy(RoleName=orphan.import_id, PolicyArn=attached["PolicyArn"])
    for policy in iam.list_role_policies(RoleName=orphan.import_id).get("PolicyNames", []):
        iam.delete_role_policy(RoleName=orphan.import_id, PolicyName=policy)
    iam.delete_role(RoleName=orphan.import_id)


def _delete_s3_bucket(client: ClientFor, orphan: Orphan) -> None:
    s3 = client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=orphan.import_id):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]  # fmt: skip
        if doomed:
            s3.delete_objects(Bucket=orphan.import_id, Delete={"Objects": doomed, "Quiet": True})
    s3.delete_bucket(Bucket=orphan.import_id)


# type → how to delete the orphan (it was created by an apply that never finished: nothing else uses it)
DELETERS: dict[str, Callable[[ClientFor, Orphan], None]] = {
    "aws_iam_role": _delete_iam_role,
    "aws_lambda_function": lambda client, o: client("lambda").delete_function(FunctionName=o.import_id),
    "aws_cloudwatch_log_group": lambda client, o: client("logs").delete_log_group(logGroupName=o.import_id),
    "aws_dynamodb_table": lambda client, o: client("dynamodb").delete_table(TableName=o.import_id),
    "aws_s3_bucket": _delete_s3_bucket,
    "aws_sqs_queue": lambda client, o: client("sqs").delete_queue(QueueUrl=o.import_id),
    "aws_sns_topic": lambda client, o: client("sns").delete_topic(TopicArn=o.import_id),
}

FINDERS: dict[str, tuple[str, Lookup]] = {
    "aws_iam_role": ("name", _iam_role),
    "aws_lambda_function": ("function_name", _lambda_function),
    "aws_cloudwatch_log_group": ("name", _log_group),
    "aws_dynamodb_table": ("name", _dynamodb_table),
    "aws_s3_bucket": ("bucket", _s3_bucket),
    "aws_sqs_queue": ("name", _sqs_queue),
    "aws_sns_topic": ("name", _sns_topic),
}


def ownership(name: str, tags: dict[str, str], project: str, environment: str) -> tuple[bool, str]:
    """Whether a resource is strands' for this project and environment, and why (not)."""
    if tags.get(PROJECT_TAG) != project or tags.get(ENVIRONMENT_TAG) != environment:
        found = f"{PROJECT_TAG}={tags.get(PROJECT_TAG)!r}, {ENVIRONMENT_TAG}={tags.get(ENVIRONMENT_TAG)!r}"
        return False, f"not tagged {PROJECT_TAG}={project}, {ENVIRONMENT_TAG}={environment} ({found})"
    if f"{project}-{environment}".lower() not in name.lower():
        return False, f"its name does not follow strands' naming (<project>-<environment>-…): {name}"
    return True, f"tagged {PROJECT_TAG}={project}, {ENVIRONMENT_TAG}={environment}"


@dataclass
class OrphanReport:
    """Orphans per stack, and stacks that could not be checked (why)."""

    orphans: list[Orphan] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"orphans": [o.to_json() for o in self.orphans], "unchecked": self.unchecked}


def find_orphans(
    ctx: DeployContext, stacks: list[StackSpec], client: ClientFor, *, project: str, environment: str, plans_dir: Any
) -> OrphanReport:
    """Plan every stack and look up each planned `create` of a named resource type in AWS."""
    report = OrphanReport()
    for wave in waves(stacks):
        for stack in wave:
            try:
                plan = plan_stack(ctx, stack, plans_dir)
            except StrandsError as exc:
                report.unchecked[stack.name] = exc.summary
                continue
            for change in plan.plan.resource_changes:
                finder = FINDERS.get(change.type)
                if finder is None or change.action != "create" or not isinstance(change.after, dict):
                    continue
                name = change.after.get(finder[0])
                if not isinstance(name, str) or not name:
                    continue
                try:
                    found = finder[1](client, name)
                except ClientError as exc:
                    if _missing(exc):
                        continue
                    report.unchecked[f"{stack.name}/{change.address}"] = f"cannot look up {name}: {exc}"
                    continue
                if found is None:
                    continue
                import_id, tags = found
                ours, reason = ownership(name, tags, project, environment)
                report.orphans.append(Orphan(stack.name, change.address, change.type, name, import_id, tags, ours,
                                             reason))  # fmt: skip
    return report


def select(report: OrphanReport, addresses: list[str]) -> list[Orphan]:
    """The orphans named by `addresses` (`ADDR` or `STACK/ADDR`); all when none are given."""
    if not addresses:
        return list(report.orphans)
    chosen = [o for o in report.orphans if o.address in addresses or f"{o.stack}/{o.address}" in addresses]
    known = {o.address for o in chosen} | {f"{o.stack}/{o.address}" for o in chosen}
    unknown = [a for a in addresses if a not in known]
    if unknown:
        raise UserError(
            f"no orphan at {', '.join(unknown)}",
            hint="`strands orphans` lists them: " + (", ".join(o.address for o in report.orphans) or "none found"),
        )
    return chosen


IMPORTS_FILE = "strands-adopt.tf.json"


@dataclass
class AdoptOutcome:
    """Orphans imported (and deleted, for --delete), refused, and failed."""

    adopted: list[Orphan] = field(default_factory=list)
    deleted: list[Orphan] = field(default_factory=list)
    refused: list[Orphan] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "adopted": [o.to_json() for o in self.adopted],
            "deleted": [o.to_json() for o in self.deleted],
            "refused": [o.to_json() for o in self.refused],
            "failed": self.failed,
        }


def adopt(ctx: DeployContext, stacks: list[StackSpec], orphans: list[Orphan], *, plans_dir: Path,
          after: Callable[[StackSpec], None] | None = None) -> AdoptOutcome:  # fmt: skip
    """Import our orphans into their stacks' state, so the next apply manages them.

    The import is Terraform's own: `import` blocks in a temporary file of the stack's configuration, a plan
    targeted at those addresses (applied only if it imports them all and deletes nothing: an orphan that no
    longer matches strands.yaml enough to be updated in place is refused), then apply. Orphans that are not
    ours are refused, never touched.
    """
    outcome = AdoptOutcome()
    by_name = {s.name: s for s in stacks}
    per_stack: dict[str, list[Orphan]] = {}
    for orphan in orphans:
        if not orphan.ours:
            outcome.refused.append(orphan)
        else:
            per_stack.setdefault(orphan.stack, []).append(orphan)
    private_mkdir(plans_dir)
    for stack_name, mine in per_stack.items():
        stack = by_name[stack_name]
        try:
            with ctx.runtime.session(stack) as extra_env:
                _import(ctx, ctx.runner(stack, extra_env), stack, mine, plans_dir)
        except StrandsError as exc:
            for orphan in mine:
                outcome.failed[f"{stack_name}/{orphan.address}"] = exc.summary
        else:
            outcome.adopted.extend(mine)
        finally:
            if after is not None:
                after(stack)
    return outcome


def delete(client: ClientFor, orphans: list[Orphan]) -> AdoptOutcome:
    """Delete our orphans from AWS (they are in no state, so Terraform cannot); others are refused."""
    outcome = AdoptOutcome()
    for orphan in orphans:
        if not orphan.ours:
            outcome.refused.append(orphan)
            continue
        try:
            DELETERS[orphan.type](client, orphan)
        except ClientError as exc:
            if not _missing(exc):
                outcome.failed[f"{orphan.stack}/{orphan.address}"] = f"deleting {orphan.name} failed: {exc}"
                continue
        outcome.deleted.append(orphan)
    return outcome


def _import(ctx: DeployContext, runner: Any, stack: StackSpec, orphans: list[Orphan], plans_dir: Path) -> None:
    """Import `orphans` with import blocks and a plan targeted at them; refuse a plan that would delete."""
    from strands_tf.terraform.plan import parse_plan_dict

    blocks = {"import": [{"to": o.address, "id": o.import_id} for o in orphans]}
    imports_file = stack.workdir / IMPORTS_FILE
    atomic_write_text(imports_file, json.dumps(blocks, indent=2) + "\n", mode=PRIVATE_FILE_MODE)
    try:
        runner.init()
        plan_file = plans_dir / f"{stack.name}.adopt.tfplan"
        runner.plan(plan_file, targets=[o.address for o in orphans], variables=ctx.runtime.variables)
        plan = parse_plan_dict(runner.show_plan(plan_file), source=f"{stack.name} adoption plan")
    finally:
        imports_file.unlink(missing_ok=True)
    importing = {c.address for c in plan.resource_changes if c.is_import}
    missing = sorted({o.address for o in orphans} - importing)
    replacing = sorted(c.address for c in plan.resource_changes if "delete" in c.actions)
    if missing or replacing:
        raise UserError(
            f"adopting in {stack.name} would not just import: "
            + (f"{', '.join(missing)} not imported" if missing else f"it would replace {', '.join(replacing)}"),
            hint="it differs from strands.yaml in a way that needs a new resource: `strands orphans --delete` it",
        )
    runner.apply(plan_file)
