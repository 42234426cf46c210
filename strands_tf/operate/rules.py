"""The rule base of `strands analyze`: known AWS and Terraform failure patterns → the cause and a concrete fix.

Each rule reads one failure (a Terraform diagnostic with its stack) and, when it recognises it, says what
happened in the words of strands.yaml (the element and setting, with file and line) and what to change,
sometimes with a proposed strands.yaml patch. Rules are tried in order, the most specific first (a KMS
key that refuses is more than a permission problem; a role that cannot be assumed right after it was
created is IAM propagation). A failure no rule knows is explained by the one error table
(strands_tf/error_codes.py) through the diagnostics classifier, so every failure gets a cause and a next step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strands_tf.operate.patch import PatchOp
from strands_tf.operate.record import DeploymentRecord, Failure
from strands_tf.terraform.diagnostics import classify
from strands_tf.terraform.plan_summary import Owner, OwnerResolver, module_prefixes


@dataclass(frozen=True)
class Finding:
    """One explained failure: which rule, what happened, what to do, where in strands.yaml."""

    rule: str
    title: str
    cause: str
    fix: str
    stack: str
    address: str | None
    owner: Owner | None
    evidence: str
    patch: tuple[PatchOp, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rule": self.rule,
            "title": self.title,
            "cause": self.cause,
            "fix": self.fix,
            "stack": self.stack,
            "address": self.address,
            "owner": self.owner.to_json() if self.owner else None,
            "evidence": self.evidence,
            "patch": [op.to_json() for op in self.patch],
            "data": self.data,
        }


def config_locator(loaded: Any) -> Callable[[tuple[str | int, ...]], tuple[str, int | None]]:
    """(file, line) of a setting or element of the loaded project: the line of its key, where it is written
    (a block mapping's value would start on the line of its first setting)."""

    def locate(path: tuple[str | int, ...]) -> tuple[str, int | None]:
        file, line, _col = loaded.sources.locate(path, key=True)
        return file, line

    return locate


@dataclass
class RuleContext:
    """What rules may read besides the failure: the record, the project's configuration and its locations."""

    record: DeploymentRecord
    config: Any | None  # ProjectConfig of the checkout (None when it does not load)
    locate: Callable[[tuple[str | int, ...]], tuple[str, int | None]]  # merged-document path -> (file, line)
    owner_of: OwnerResolver | None
    region: str

    def where(self, *path: str | int) -> str:
        """`strands.yaml:21 (resources.outbox.bucket_name)`."""
        file, line = self.locate(path)
        dotted = ".".join(str(p) for p in path)
        return f"{file}:{line} ({dotted})" if line else f"{file} ({dotted})"

    def module_id(self, address: str | None) -> str | None:
        prefixes = module_prefixes(address or "")
        return prefixes[0].split(".", 1)[1].split("[")[0] if prefixes else None

    def physical_name(self, failure: Failure) -> str | None:
        """The AWS name the failed resource was given (from the synthesized module call or the message)."""
        module = self.module_id(failure.diagnostic.address)
        if module:
            inputs = self.record.module_inputs(failure.stack, module)
            for key in ("name", "bucket"):
                value = inputs.get(key)
                if isinstance(value, str) and "${" not in value:
                    return value
        match = _NAME_IN_MESSAGE.search(failure.diagnostic.text)
        return match.group(1) if match else None


Rule = Callable[[Failure, RuleContext], Finding | None]
_NAME_IN_MESSAGE = re.compile(
    r"(?:creating|reading|updating)\s+[\w .]+?\s*\(([A-Za-z0-9_.:/-]+)\)|with name ([\w+=,.@-]+)|"
    r"[Nn]ame[: ]+['\"]?([\w.-]+)['\"]? already exists"
)


def _finding(rule: str, title: str, failure: Failure, ctx: RuleContext, cause: str, fix: str,
             patch: tuple[PatchOp, ...] = (), **data: Any) -> Finding:  # fmt: skip
    diag = failure.diagnostic
    owner = ctx.owner_of(diag.address) if ctx.owner_of is not None and diag.address else None
    evidence = diag.summary + (f": {diag.detail.strip().splitlines()[0]}" if diag.detail.strip() else "")
    return Finding(rule, title, cause, fix, failure.stack, diag.address, owner, evidence[:400], patch, dict(data))


def _element(owner: Owner | None) -> str:
    return f"{owner.kind} '{owner.name}'" if owner else "this resource"


def _element_path(owner: Owner | None) -> tuple[str, str] | None:
    if owner is None or owner.kind not in ("agent", "resource"):
        return None
    return ("agents" if owner.kind == "agent" else "resources", owner.name)


def _owner(failure: Failure, ctx: RuleContext) -> Owner | None:
    address = failure.diagnostic.address
    return ctx.owner_of(address) if ctx.owner_of is not None and address else None


# ------------------------------------------------------------------------------------------------ KMS

_KMS = re.compile(
    r"KMS(?:AccessDenied|Disabled|InvalidState|NotFound|OptInRequired|Invalid)|kms:[A-Za-z]+|KMS key|"
    r"pending deletion|is disabled|customer master key|Invalid(?:Kms|KMS)|alias/[\w/-]+ (?:is not found|not found)",
)


def kms(failure: Failure, ctx: RuleContext) -> Finding | None:
    """A KMS key the resource uses is disabled, scheduled for deletion, missing or refuses the deploying identity."""
    text = failure.diagnostic.text
    if not _KMS.search(text):
        return None
    owner = _owner(failure, ctx)
    element = _element_path(owner)
    key = None
    setting = ""
    if element is not None and ctx.config is not None:
        body = (ctx.config.agents if element[0] == "agents" else ctx.config.resources).get(element[1])
        key = getattr(body, "kms_key", None)
        if key:
            setting = f" set at {ctx.where(*element, 'kms_key')}"
    key_text = f"KMS key {key}{setting}" if key else "the KMS key it uses"
    if re.search(r"pending deletion|PendingDeletion", text):
        state, action = (
            "is scheduled for deletion",
            f"cancel the deletion: `aws kms cancel-key-deletion --key-id {key or 'KEY'}`",
        )
    elif re.search(r"is disabled|KMSDisabled|Disabled", text):
        state, action = "is disabled", f"enable it: `aws kms enable-key --key-id {key or 'KEY'}`"
    elif re.search(r"NotFound|not found|does not exist", text):
        state, action = (
            f"does not exist in {ctx.region}",
            f"check it with `aws kms describe-key --key-id {key or 'KEY'} --region {ctx.region}` (keys and aliases "
            "are regional); fix kms_key in strands.yaml",
        )
    else:
        state, action = (
            "does not let the deploying identity (or the service acting for it) use it",
            "add kms:CreateGrant, kms:Decrypt, kms:DescribeKey and kms:GenerateDataKey for the deploying identity to "
            "the key policy (and the agents' roles for data they read)",
        )
    cause = f"{_element(owner)} cannot be created or updated because {key_text} {state}."
    fix = f"{action[0].upper()}{action[1:]}; or point kms_key at a usable key (omitting it uses an AWS managed key)."
    return _finding("kms", "KMS key unusable", failure, ctx, cause, fix, kms_key=key)


# ------------------------------------------------------------------------------------- IAM propagation

_PROPAGATION = re.compile(
    r"cannot be assumed by Lambda|role defined for the function cannot be assumed|"
    r"execution role does not have permissions to call|Invalid principal in policy|"
    r"The role .* does not have permission|InvalidParameterValueException.*(?:role|Role)",
    re.S,
)


def iam_propagation(failure: Failure, ctx: RuleContext) -> Finding | None:
    """A role or policy strands-tf made moments before was not yet visible to the service that needed it."""
    if not _PROPAGATION.search(failure.diagnostic.text):
        return None
    owner = _owner(failure, ctx)
    created_roles = [
        address for stack, address, _action in ctx.record.errored if stack == failure.stack and "role" in address
    ]
    cause = (
        f"{_element(owner)} was created right after its IAM role or policy, and IAM had not yet propagated them "
        "to Lambda (IAM is eventually consistent: a new role can take several seconds to be usable)."
    )
    if created_roles:
        cause += f" The role itself failed too ({', '.join(created_roles)}): fix that first."
    fix = "Nothing in strands.yaml needs to change: run `strands apply --resume` to continue the deployment."
    return _finding("iam_propagation", "IAM propagation delay", failure, ctx, cause, fix)


# ------------------------------------------------------------------------------------------ concurrency

_CONCURRENCY = re.compile(r"ReservedConcurrentExecutions|UnreservedConcurrentExecution|concurrency", re.I)


def _setting_path(ctx: RuleContext, agent: str, setting: str) -> tuple[str | int, ...] | None:
    """Where `setting` of an agent is written: the environment's override, the agent, or defaults."""
    config = ctx.config
    if config is None:
        return None
    env = config.environments.get(ctx.record.environment)
    candidates: list[tuple[tuple[str | int, ...], Any]] = []
    if env is not None:
        override = env.overrides.agents.get(agent)
        candidates.append(
            (("environments", ctx.record.environment, "overrides", "agents", agent, setting),
             getattr(override, setting, None) if override else None)
        )  # fmt: skip
    agent_config = config.agents.get(agent)
    candidates.append((("agents", agent, setting), getattr(agent_config, setting, None) if agent_config else None))
    if env is not None and env.overrides.defaults is not None:
        candidates.append(
            (("environments", ctx.record.environment, "overrides", "defaults", setting),
             getattr(env.overrides.defaults, setting, None))
        )  # fmt: skip
    candidates.append((("defaults", setting), getattr(config.defaults, setting, None)))
    for path, value in candidates:
        if value is not None:
            return path
    return None


def concurrency(failure: Failure, ctx: RuleContext) -> Finding | None:
    """Reserved concurrency would leave the account less unreserved concurrency than Lambda's minimum."""
    text = failure.diagnostic.text
    if not (_CONCURRENCY.search(text) and re.search(r"below its minimum|decreases account|Specified", text)):
        return None
    owner = _owner(failure, ctx)
    minimum = re.search(r"minimum value of \[?(\d+)\]?", text)
    path = _setting_path(ctx, owner.name, "reserved_concurrency") if owner and owner.kind == "agent" else None
    cause = (
        f"{_element(owner)} reserves concurrency the account does not have: Lambda keeps at least "
        f"{minimum.group(1) if minimum else 'its minimum of'} concurrent executions unreserved, and the account's "
        "concurrency quota (1,000 by default, as little as 10 on new accounts) minus every reservation is below that."
    )
    where = f" ({ctx.where(*path)})" if path else ""
    fix = (
        f"Lower or remove reserved_concurrency{where}, or request a higher 'Concurrent executions' quota for Lambda "
        f"in {ctx.region} (Service Quotas console: https://console.aws.amazon.com/servicequotas/home/services/lambda/"
        "quotas)."
    )
    patch = (PatchOp("delete", path),) if path else ()
    return _finding("concurrency", "Lambda concurrency reservation", failure, ctx, cause, fix, patch)


# ------------------------------------------------------------------------------------ VPC / ENI limits

_VPC_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"InsufficientFreeAddressesInSubnet|not have enough free addresses|SubnetIPAddressLimitReached"),
        "the subnets have no free IP addresses left for the agents' network interfaces",
        "Use a larger VPC (a shorter prefix in vpc.cidr, or netmask_length from IPAM) so the subnets are larger, or "
        "place fewer agents in the VPC.",
    ),
    (
        re.compile(r"NetworkInterfaceLimitExceeded|maximum number of network interfaces|ENILimitReached"),
        "the account's quota of network interfaces in the region is used up",
        "Delete unused network interfaces (`aws ec2 describe-network-interfaces --filters Name=status,Values="
        "available`), or request more 'Network interfaces per Region' (Service Quotas, service vpc).",
    ),
    (
        re.compile(r"VpcLimitExceeded|maximum number of VPCs"),
        "the region already has as many VPCs as the account may have (5 by default)",
        "Delete an unused VPC, request more 'VPCs per Region' (Service Quotas, service vpc), or place the agents in "
        "an existing VPC (vpc: {id, subnet_ids, security_group_ids}).",
    ),
    (
        re.compile(r"AddressLimitExceeded|maximum number of addresses"),
        "the account has no Elastic IP address left for a NAT gateway (5 per region by default)",
        "Release unused Elastic IPs, use nat: single (one NAT gateway) or nat: none with endpoints, or request more "
        "'EC2-VPC Elastic IPs' (Service Quotas, service ec2).",
    ),
    (
        re.compile(r"NatGatewayLimitExceeded"),
        "the availability zone already has as many NAT gateways as allowed",
        "Use nat: single, or request more 'NAT gateways per Availability Zone' (Service Quotas, service vpc).",
    ),
    (
        re.compile(r"InvalidSubnetID\.NotFound|InvalidSecurityGroupID\.NotFound|InvalidVpcID\.NotFound"),
        "a subnet, security group or VPC the configuration names does not exist (in this account and region)",
        "Check the ids under the environment's vpc: (`aws ec2 describe-subnets --subnet-ids ...`) and that the "
        "environment deploys to the account and region that has them.",
    ),
    (
        re.compile(r"Lambda was unable to (?:create|delete) an ENI|EC2ThrottledException|EC2UnexpectedException"),
        "Lambda could not set up the network interfaces of a function in the VPC",
        "Run `strands apply --resume` (EC2 throttling passes); if it repeats, check the ENI quota and that the "
        "agents' execution role has the ec2:*NetworkInterface* permissions strands-tf grants.",
    ),
)


def vpc_limits(failure: Failure, ctx: RuleContext) -> Finding | None:
    """VPC, subnet and network interface limits and missing network ids."""
    text = failure.diagnostic.text
    for pattern, what, fix in _VPC_PATTERNS:
        if pattern.search(text):
            env = ctx.record.environment
            located = ""
            if ctx.config is not None and env in ctx.config.environments and ctx.config.environments[env].vpc:
                located = f" (the VPC of environment '{env}', {ctx.where('environments', env, 'vpc')})"
            cause = f"{what[0].upper()}{what[1:]}{located}."
            return _finding("vpc_limits", "VPC or network interface limit", failure, ctx, cause, fix)
    return None


# ------------------------------------------------------------------------- existing VPC's subnet checks

# the agent-network module's preconditions (modules/agent-network/main.tf) on an existing VPC's subnets
_SUBNETS_PUBLIC = re.compile(r"subnets ((?:subnet-[0-9a-f]+(?:, )?)+) are public")
_SUBNETS_ELSEWHERE = re.compile(
    r"subnets ((?:subnet-[0-9a-f]+ \(in vpc-[0-9a-f]+\)(?:, )?)+) are not in (vpc-[0-9a-f]+)"
)


def existing_subnets(failure: Failure, ctx: RuleContext) -> Finding | None:
    """An existing VPC's subnet that is public or in another VPC, refused at plan time before anything was made."""
    text = failure.diagnostic.text
    env = ctx.record.environment
    if public := _SUBNETS_PUBLIC.search(text):
        refused = public.group(1).split(", ")
        why = (
            "public: a route to an internet gateway or public IPs on launch. A Lambda function in a VPC gets no "
            "public address, so from a public subnet it cannot reach AWS or the internet"
        )
    elif elsewhere := _SUBNETS_ELSEWHERE.search(text):
        refused = [item.split(" ", 1)[0] for item in elsewhere.group(1).split(", ")]
        why = (
            f"in another VPC ({elsewhere.group(1)}), not in {elsewhere.group(2)} where the agents' security groups are"
        )
    else:
        return None
    vpc = None
    if ctx.config is not None and env in ctx.config.environments:
        vpc = ctx.config.environments[env].vpc
    setting = ("environments", env, "vpc", "subnet_ids")
    cause = f"The subnets {', '.join(refused)} of environment '{env}' are {why}. The plan stopped before any change."
    vpc_id = vpc.id if vpc is not None and vpc.id else "VPC_ID"
    fix = (
        f"Give private subnets of {vpc_id} in {ctx.where(*setting)}: subnets whose route table sends 0.0.0.0/0 to a "
        "NAT gateway (or has only VPC endpoints) and that assign no public IPs. Find them with `aws ec2 "
        f"describe-subnets --filters Name=vpc-id,Values={vpc_id}` and `aws ec2 describe-route-tables --filters "
        f"Name=vpc-id,Values={vpc_id}`."
    )
    patch: tuple[PatchOp, ...] = ()
    kept = [s for s in (vpc.subnet_ids if vpc is not None else []) if s not in refused]
    if vpc is not None and kept and len(kept) < len(vpc.subnet_ids):
        patch = (PatchOp("set", setting, kept),)
        fix += f" Or keep only {', '.join(kept)} (the proposed change; fewer zones)."
    return _finding("existing_subnets", "Subnets refused for the agents", failure, ctx, cause, fix, patch,
                    subnets=refused)  # fmt: skip


# ----------------------------------------------------------------------------------------------- quota

_QUOTA_SERVICES = {
    "aws_lambda": ("lambda", "Lambda"),
    "aws_iam": ("iam", "IAM"),
    "aws_s3": ("s3", "Amazon S3"),
    "aws_dynamodb": ("dynamodb", "DynamoDB"),
    "aws_sqs": ("sqs", "SQS"),
    "aws_sns": ("sns", "SNS"),
    "aws_cloudwatch": ("monitoring", "CloudWatch"),
    "aws_apigatewayv2": ("apigateway", "API Gateway"),
    "aws_vpc": ("vpc", "Amazon VPC"),
    "aws_subnet": ("vpc", "Amazon VPC"),
    "aws_nat": ("vpc", "Amazon VPC"),
    "aws_eip": ("ec2", "Amazon EC2"),
}


def quota(failure: Failure, ctx: RuleContext) -> Finding | None:
    """A service quota is reached (code storage, roles, buckets, tables...)."""
    diag = failure.diagnostic
    if classify(diag).kind != "quota":
        return None
    tf_type = (diag.address or "").rsplit(".", 2)[-2] if diag.address and "." in diag.address else ""
    service = next((v for k, v in _QUOTA_SERVICES.items() if tf_type.startswith(k)), None)
    code, name = service or ("", "the service")
    owner = _owner(failure, ctx)
    if "CodeStorageExceeded" in diag.text:
        cause = f"Lambda's code storage in {ctx.region} (75 GB for all functions and layers) is full."
        fix = (
            "Delete old function versions and layer versions you no longer use (`aws lambda list-versions-by-function"
            " --function-name NAME`, `aws lambda delete-layer-version`), or request more 'Function and layer storage'."
        )
    else:
        cause = f"{_element(owner)} needs more of a {name} quota than the account has left in {ctx.region}."
        fix = "Delete resources of this kind you no longer use, or request a higher quota"
        fix += (
            f": https://console.aws.amazon.com/servicequotas/home/services/{code}/quotas (or `aws service-quotas "
            f"list-service-quotas --service-code {code}` to find it), then run `strands apply --resume`."
            if code
            else " in the Service Quotas console, then run `strands apply --resume`."
        )
    return _finding("quota", "Service quota reached", failure, ctx, cause, fix, service_code=code or None)


# ------------------------------------------------------------------------------------------ name taken

_KIND_WORDS = {
    "aws_lambda_function": "a Lambda function",
    "aws_iam_role": "an IAM role",
    "aws_sqs_queue": "an SQS queue",
    "aws_dynamodb_table": "a DynamoDB table",
    "aws_cloudwatch_log_group": "a CloudWatch log group",
    "aws_s3_bucket": "an S3 bucket",
    "aws_sns_topic": "an SNS topic",
    "aws_apigatewayv2_api": "an HTTP API",
}
_DELETE_COMMANDS = {
    "aws_lambda_function": "aws lambda delete-function --function-name {name}",
    "aws_iam_role": "aws iam delete-role --role-name {name} (detach its policies first)",
    "aws_sqs_queue": "aws sqs delete-queue --queue-url $(aws sqs get-queue-url --queue-name {name} --query QueueUrl "
    "--output text)",
    "aws_dynamodb_table": "aws dynamodb delete-table --table-name {name}",
    "aws_cloudwatch_log_group": "aws logs delete-log-group --log-group-name {name}",
    "aws_s3_bucket": "aws s3 rb s3://{name} (empty it first)",
    "aws_sns_topic": "aws sns delete-topic --topic-arn arn:aws:sns:{region}:ACCOUNT:{name}",
}


def name_taken(failure: Failure, ctx: RuleContext) -> Finding | None:
    """Something with the resource's name exists outside this deployment (a leftover, a teammate's, global S3)."""
    diag = failure.diagnostic
    if classify(diag).kind != "already_exists":
        return None
    owner = _owner(failure, ctx)
    name = ctx.physical_name(failure)
    tf_type = diag.address.rsplit(".", 2)[-2] if diag.address and diag.address.count(".") >= 2 else ""
    shown = f"'{name}'" if name else "the name"
    element = _element_path(owner)
    patch: tuple[PatchOp, ...] = ()
    if tf_type == "aws_s3_bucket" and element and ctx.config is not None:
        bucket = ctx.config.resources.get(element[1])
        if getattr(bucket, "bucket_name", None):
            cause = (
                f"The bucket name {shown} ({ctx.where(*element, 'bucket_name')}) is taken: S3 bucket names are global "
                "across every AWS account, and another account (or another of yours) has it."
            )
            fix = (
                "Remove bucket_name so strands-tf derives a name that includes the project, environment and account id "
                "(unique), or choose another name; then run `strands apply --resume`."
            )
            patch = (PatchOp("delete", (*element, "bucket_name")),)
            return _finding("name_taken", "Name already taken", failure, ctx, cause, fix, patch, name=name)
    cause = (
        f"{_element(owner)} could not be created: {_KIND_WORDS.get(tf_type, 'a resource')} named {shown} already "
        "exists in this "
        f"account and region, made outside this deployment (left over from an earlier deployment whose state is "
        "gone, made by a teammate with another state backend, or by hand)."
    )
    delete = _DELETE_COMMANDS.get(tf_type, "").format(name=name or "NAME", region=ctx.region)
    where = f" at {ctx.where(*element)}" if element else ""
    fix = (
        (f"If it is a leftover, delete it (`{delete}`) and run `strands apply --resume`. " if delete else
         "If it is a leftover, delete it and run `strands apply --resume`. ")
        + f"If someone else uses it, rename {_element(owner)} in strands.yaml{where}, or deploy with another "
        "project or environment name (names are <project>-<environment>-<name>)."
    )  # fmt: skip
    return _finding("name_taken", "Name already taken", failure, ctx, cause, fix, name=name)


# ------------------------------------------------------------------------------------ permission denied

_ACTION = re.compile(r"not authorized to perform:?\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)")
_RESOURCE = re.compile(r"on resource:?\s*(arn:[^\s\"',]+)")
_IDENTITY = re.compile(r"(?:User|Principal):?\s*(arn:[^\s\"',]+)\s+is not authorized")
_DENY = re.compile(r"explicit deny in an? ([\w -]+?policy)", re.I)


def permission_denied(failure: Failure, ctx: RuleContext) -> Finding | None:
    """AWS refused an action to the deploying identity: which action, on what, for whom, and why."""
    diag = failure.diagnostic
    if classify(diag).kind != "permissions":
        return None
    text = diag.text
    action = _ACTION.search(text)
    resource = _RESOURCE.search(text)
    identity = _IDENTITY.search(text)
    deny = _DENY.search(text)
    owner = _owner(failure, ctx)
    missing = action.group(1) if action else None
    who = identity.group(1) if identity else "the deploying identity"
    cause = f"{who} may not {missing or 'perform an action'} needed for {_element(owner)}"
    cause += f" on {resource.group(1)}" if resource else ""
    if deny:
        cause += f": an explicit deny in a {deny.group(1)} blocks it."
        fix = (
            f"An allow cannot override an explicit deny: ask the administrator of the {deny.group(1)} to exempt "
            f"{missing or 'the action'} for this identity, or deploy with another role "
            f"(environments.{ctx.record.environment}.role_arn)."
        )
    else:
        cause += "."
        statement = {"Effect": "Allow", "Action": missing or "SERVICE:ACTION", "Resource": resource.group(1) if resource
                     else "*"}  # fmt: skip
        fix = (
            f"Grant it to {who}: add the statement {json.dumps(statement)} to a policy of that user or role "
            "(`strands doctor` shows which identity deploys), then run `strands apply --resume`."
        )
        if missing == "iam:PassRole":
            fix += " strands-tf passes the agents' execution roles (named <project>-<environment>-<agent>) to Lambda."
    return _finding(
        "permission_denied", "Permission denied", failure, ctx, cause, fix, action=missing,
        resource=resource.group(1) if resource else None, identity=identity.group(1) if identity else None,
    )  # fmt: skip


RULES: tuple[tuple[str, Rule], ...] = (
    ("kms", kms),
    ("iam_propagation", iam_propagation),
    ("concurrency", concurrency),
    ("existing_subnets", existing_subnets),
    ("vpc_limits", vpc_limits),
    ("quota", quota),
    ("name_taken", name_taken),
    ("permission_denied", permission_denied),
)


def explain(failure: Failure, ctx: RuleContext) -> Finding:
    """The first rule that recognises the failure, else the error table's explanation and next step."""
    for _name, rule in RULES:
        found = rule(failure, ctx)
        if found is not None:
            return found
    classification = classify(failure.diagnostic)
    return _finding(
        f"error:{classification.kind}", classification.kind.replace("_", " "), failure, ctx,
        classification.explanation, classification.next_step,
    )  # fmt: skip


def analyze_record(ctx: RuleContext) -> list[Finding]:
    """A finding per failure of the record (the same rule on the same object once)."""
    findings: list[Finding] = []
    seen: set[tuple[str, str | None, str]] = set()
    for failure in ctx.record.failures:
        finding = explain(failure, ctx)
        key = (finding.rule, finding.address, finding.stack)
        if key not in seen:
            seen.add(key)
            findings.append(finding)
    return findings
