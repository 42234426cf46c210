"""Classification of Terraform diagnostics (events, validate -json, stderr text) into StrandsErrors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.errors import Category
from strands_tf.terraform.diagnostics import (
    Diagnostic,
    TerraformError,
    classify,
    classify_all,
    error_from_run,
    parse_lock_info,
    parse_text_diagnostics,
)

# the exact text Terraform 1.15 prints when the S3 backend (use_lockfile) finds the lock taken
LOCK_DETAIL = """Error message: operation error S3: PutObject, https response error StatusCode: 412, \
RequestID: PME9v2, api error PreconditionFailed: At least one of the pre-conditions you specified did not hold
Lock Info:
  ID:        95b2b14e-20bd-e41e-6366-260a29e675ce
  Path:      tfstate1/stack/terraform.tfstate
  Operation: OperationTypeApply
  Who:       alice@build-7
  Version:   1.15.5
  Created:   2026-11-25 15:24:28.123219134 +0000 UTC
  Info:


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time."""


def diag(summary: str, detail: str = "", **kw: object) -> Diagnostic:
    return Diagnostic(severity="error", summary=summary, detail=detail, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("summary", "detail", "kind", "category"),
    [
        (
            "No valid credential sources found",
            "Please see https://registry.terraform.io/providers/hashicorp/aws for more information "
            "about providing credentials.\n\n"
            "Error: failed to refresh cached credentials, no EC2 IMDS role found",
            "credentials",
            Category.CREDENTIALS,
        ),
        (
            "creating IAM Role (agent)",
            "operation error IAM: CreateRole, https response error StatusCode: 403, api error ExpiredToken: "
            "The security token included in the request is expired",
            "expired",
            Category.CREDENTIALS,
        ),
        (
            "creating Lambda Function (support)",
            "operation error Lambda: CreateFunction, StatusCode: 403, api error AccessDeniedException: "
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:CreateFunction",
            "permissions",
            Category.PERMISSIONS,
        ),
        (
            "creating EC2 VPC",
            "api error UnauthorizedOperation: You are not authorized to perform this operation.",
            "permissions",
            Category.PERMISSIONS,
        ),
        (
            "creating IAM Policy",
            "api error LimitExceeded: Cannot exceed quota for PoliciesPerAccount: 1500",
            "quota",
            Category.THROTTLING,
        ),
        (
            "reading Lambda Function",
            "api error ThrottlingException: Rate exceeded",
            "throttling",
            Category.THROTTLING,
        ),
        (
            "creating IAM Role (agent-role)",
            "api error EntityAlreadyExists: Role with name agent-role already exists.",
            "already_exists",
            Category.CONFLICT,
        ),
        (
            "creating S3 Bucket (agent-artifacts)",
            "api error BucketAlreadyOwnedByYou: Your previous request to create the named bucket succeeded",
            "already_exists",
            Category.CONFLICT,
        ),
        (
            "creating Lambda Permission",
            "api error ResourceConflictException: The statement id (AllowApiGw) provided already exists.",
            "already_exists",
            Category.CONFLICT,
        ),
        (
            "reading S3 Bucket",
            'Get "https://s3.amazonaws.com/x": dial tcp: lookup s3.amazonaws.com: no such host',
            "network",
            Category.NETWORK,
        ),
        (
            "Failed to query available provider packages",
            "Could not retrieve the list of available versions for provider hashicorp/aws: could not "
            "connect to registry.terraform.io",
            "provider",
            Category.DEPENDENCY,
        ),
        (
            "Plugin did not respond",
            "The plugin encountered an error, and failed to respond to the "
            "plugin.(*GRPCProvider).ApplyResourceChange call.",
            "provider",
            Category.DEPENDENCY,
        ),
        (
            "Failed to install provider",
            "Error while installing hashicorp/aws v6.0.0",
            "provider",
            Category.DEPENDENCY,
        ),
        ("Error acquiring the state lock", LOCK_DETAIL, "state_lock", Category.STATE),
        ("execution halted", "", "interrupted", Category.PROVISIONING),
        (
            "Saved plan is stale",
            "The given plan file can no longer be applied because the state was changed by another operation "
            "after the plan was created.",
            "stale_plan",
            Category.STATE,
        ),
        (
            "reading Lambda Function (agent)",
            "api error ResourceNotFoundException: Function not found: arn:aws:lambda:...",
            "not_found",
            Category.NOT_FOUND,
        ),
        (
            "local-exec provisioner error",
            "Error running command 'exit 125': exit status 125. Output: ",
            "provisioner",
            Category.PROVISIONING,
        ),
        (
            "Unsupported argument",
            'An argument named "foo" is not expected here.',
            "configuration",
            Category.CONFIGURATION,
        ),
        ('Backend initialization required, please run "terraform init"', "", "init_required", Category.STATE),
        ("Something odd happened", "with no known pattern", "terraform", Category.PROVISIONING),
        (
            "Invalid function argument",
            'Invalid value for "path" parameter: no file exists at "agents/x/prompt.md"; this function works '
            "only with files that are distributed as part of the configuration source code, so if this "
            "file will be created by a resource in this configuration you must instead obtain this result "
            "from an attribute of that resource. The file does not exist.",
            "configuration",
            Category.CONFIGURATION,
        ),
        (
            "reading IAM Role (agent-role)",
            "couldn't find resource: NoSuchEntity: The role with name agent-role cannot be found.",
            "not_found",
            Category.NOT_FOUND,
        ),
    ],
)
def test_classify_kinds(summary: str, detail: str, kind: str, category: Category) -> None:
    c = classify(diag(summary, detail))
    assert c.kind == kind
    assert c.category == category
    assert c.explanation and c.next_step


def test_permissions_names_the_denied_action() -> None:
    c = classify(
        diag(
            "creating Lambda Function",
            "User: arn:aws:iam::1:user/ci is not authorized to perform: lambda:CreateFunction on resource",
        )
    )
    assert c.data["action"] == "lambda:CreateFunction"
    assert "lambda:CreateFunction" in c.explanation


def test_state_lock_names_holder_and_unlock_command() -> None:
    c = classify(diag("Error acquiring the state lock", LOCK_DETAIL))
    assert "alice@build-7" in c.explanation
    assert "95b2b14e-20bd-e41e-6366-260a29e675ce" in c.explanation
    assert "strands force-unlock 95b2b14e-20bd-e41e-6366-260a29e675ce" in c.next_step
    assert c.data["lock"]["operation"] == "OperationTypeApply"
    assert c.data["lock"]["created"].startswith("2026-11-25 15:24:28")


def test_state_lock_without_lock_info_still_gives_next_step() -> None:
    c = classify(diag("Error acquiring the state lock", "ConditionalCheckFailedException: ..."))
    assert c.kind == "state_lock"
    assert "force-unlock" in c.next_step


def test_parse_lock_info_absent() -> None:
    assert parse_lock_info("nothing here") is None


def test_a_range_without_known_pattern_is_configuration() -> None:
    d = diag("Weird", "x", range={"filename": "cdk.tf.json", "start": {"line": 12, "column": 3}})
    c = classify(d)
    assert c.kind == "configuration"
    assert "cdk.tf.json:12" in c.explanation


def test_classify_all_prefers_the_root_cause() -> None:
    diags = [
        Diagnostic("warning", "Deprecated attribute", "x"),
        diag("local-exec provisioner error", "signal: killed", address="terraform_data.b"),
        diag("execution halted"),
        diag("Error acquiring the state lock", LOCK_DETAIL),
    ]
    main, c = classify_all(diags)
    assert main is diags[3]
    assert c is not None and c.kind == "state_lock"


def test_classify_all_ignores_warnings() -> None:
    assert classify_all([Diagnostic("warning", "Deprecated", "")]) == (None, None)


def test_diagnostic_from_event_keeps_everything(shared_fixtures: Path) -> None:
    path = shared_fixtures / "ui" / "terraform_v1.5.7_cloud_testdata_apply-json-with-provisioner-error_apply.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    diags = [d for d in (Diagnostic.from_event(e) for e in events) if d is not None]
    assert len(diags) == 1
    d = diags[0]
    assert d.address == "null_resource.foo"
    assert d.location == "main.tf:2"
    assert d.snippet is not None
    err = error_from_run("apply", returncode=1, diagnostics=diags)
    assert err.classification.kind == "provisioner"
    assert err.data["diagnostics"][0]["detail"].startswith("Error running command 'exit 125'")
    assert err.data["diagnostics"][0]["range"]["filename"] == "main.tf"
    assert "null_resource.foo" in err.summary


def test_from_event_ignores_other_events() -> None:
    assert Diagnostic.from_event({"type": "apply_start", "hook": {}}) is None
    assert Diagnostic.from_event({"type": "diagnostic", "diagnostic": "not a dict"}) is None


STDERR_TEXT = """
Error: Reference to undeclared resource

  on main.tf line 2, in resource "terraform_data" "a":
   2:   input = foo.bar

A managed resource "foo" "bar" has not been declared in the root module.

Warning: Deprecated flag

Something about a flag.
"""


def test_parse_text_diagnostics() -> None:
    diags = parse_text_diagnostics(STDERR_TEXT)
    assert [d.severity for d in diags] == ["error", "warning"]
    assert diags[0].summary == "Reference to undeclared resource"
    assert diags[0].range == {"filename": "main.tf", "start": {"line": 2}}
    assert diags[0].detail == 'A managed resource "foo" "bar" has not been declared in the root module.'
    assert diags[1].detail == "Something about a flag."


def test_parse_text_diagnostics_with_boxes_and_colour() -> None:
    text = (
        "\x1b[31m╷\x1b[0m\n\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0mFailed to install provider\n"
        "│ \n│ Error while installing hashicorp/aws\n╵\n"
    )
    diags = parse_text_diagnostics(text)
    assert len(diags) == 1
    assert diags[0].summary == "Failed to install provider"
    assert "Error while installing hashicorp/aws" in diags[0].detail


def test_error_from_run_falls_back_to_stderr_text() -> None:
    err = error_from_run("init", returncode=1, diagnostics=[], stderr=STDERR_TEXT)
    assert isinstance(err, TerraformError)
    assert err.category == Category.CONFIGURATION
    assert err.exit_code == 1
    assert err.summary == "terraform init failed: Reference to undeclared resource"
    assert err.stderr == STDERR_TEXT
    assert "main.tf:2" in (err.detail or "")


def test_error_from_run_without_any_diagnostic() -> None:
    err = error_from_run("plan", returncode=2, diagnostics=[], stderr="panic: runtime error\ngoroutine 1")
    assert err.classification.kind == "terraform"
    assert err.category == Category.PROVISIONING
    assert err.exit_code == 3
    assert "goroutine 1" in (err.detail or "")
    assert err.data["returncode"] == 2


def test_error_to_dict_is_json_ready() -> None:
    err = error_from_run("plan", returncode=1, diagnostics=[diag("Error acquiring the state lock", LOCK_DETAIL)])
    out = json.loads(json.dumps(err.to_dict()))
    assert out["category"] == "state"
    assert out["data"]["kind"] == "state_lock"
    assert out["data"]["lock"]["who"] == "alice@build-7"
    assert "force-unlock" in out["hint"]


def test_a_failed_precondition_says_what_the_check_said() -> None:
    # a module's check (modules/agent-network: an existing VPC's subnets) is the whole reason the run stopped:
    # the one line a failed apply prints must carry its message, not only where the check is
    message = (
        "subnets subnet-0f9e8d7c6b5a43210 are public (a route to an internet gateway, or public IPs on launch): "
        "Lambda functions need private subnets with NAT or endpoints to reach AWS."
    )
    d = diag(
        "Resource precondition failed",
        message,
        address='module.agent_network.aws_security_group.this["agents"]',
        range={"filename": "modules/agent-network/main.tf", "start": {"line": 74, "column": 7}},
    )
    c = classify(d)
    assert c.kind == "configuration"
    assert c.explanation.splitlines()[0] == (
        f'A check of the configuration failed at module.agent_network.aws_security_group.this["agents"], '
        f"modules/agent-network/main.tf:74: {message}"
    )
