"""One table of failure kinds: the same AWS error classifies the same way from boto3 and from Terraform.

boto3 raises a ClientError; Terraform's AWS provider (and the offline emulator's provider) quote the
same AWS error inside a diagnostic. Kind, category, exit code and next step must agree.
"""

from __future__ import annotations

import pytest
from botocore import exceptions as bx

from strands_tf.aws.errors import convert_aws_error
from strands_tf.errors import StrandsError
from strands_tf.terraform.diagnostics import Diagnostic, error_from_run

# (code, HTTP status, message) as AWS sends them
CASES = [
    ("AccessDenied", 403, "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: s3:PutObject"),
    ("AccessDeniedException", 400, "User is not authorized to perform: lambda:CreateFunction"),
    ("ThrottlingException", 400, "Rate exceeded"),
    ("Throttling", 400, "Rate exceeded"),
    ("LimitExceeded", 409, "Cannot exceed quota for PoliciesPerAccount: 1500"),
    ("BucketAlreadyExists", 409, "The requested bucket name is not available."),
    (
        "BucketAlreadyOwnedByYou",
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    ),
    ("EntityAlreadyExists", 409, "Role with name agent-role already exists."),
    ("ResourceConflictException", 409, "Function already exist: support"),
    ("ResourceConflictException", 409, "The operation cannot be performed at this time. An update is in progress."),
    ("ResourceInUseException", 400, "Table already exists: conversations"),
    ("ConcurrentModificationException", 400, "Rule was modified concurrently"),
    ("NoSuchEntity", 404, "The role with name agent-role cannot be found."),
    ("ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:x"),
    ("ExpiredToken", 400, "The security token included in the request is expired"),
    ("InvalidClientTokenId", 403, "The security token included in the request is invalid."),
    ("RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."),
    ("ValidationException", 400, "1 validation error detected: Value at 'memorySize' failed to satisfy constraint"),
    ("MalformedPolicyDocument", 400, "Policy document should not specify a principal."),
    ("InternalFailure", 500, "An internal error occurred."),
    ("OptInRequired", 403, "You are not subscribed to this service."),
    ("SomethingBrandNew", 409, "A code no table lists, with a 409"),
]


def aws_path(code: str, status: int, message: str) -> StrandsError:
    exc = bx.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "CreateThing"
    )
    return convert_aws_error(exc)


def terraform_messages(code: str, status: int, message: str) -> list[Diagnostic]:
    """The ways a diagnostic quotes an AWS error: aws-sdk-go v2 (with and without `api error`), v1, the emulator."""
    v2 = (
        f"operation error IAM: CreateRole, https response error StatusCode: {status}, RequestID: 7c1d, "
        f"{code}: {message}"
    )
    api = f"operation error S3: PutObject, https response error StatusCode: {status}, RequestID: X1, HostID: H1, " \
          f"api error {code}: {message}"  # fmt: skip
    v1 = f"{code}: {message}\n\tstatus code: {status}, request id: 7c1d"
    return [
        Diagnostic("error", "creating IAM Role (agent-role)", v2),
        Diagnostic("error", "putting S3 Object", api),
        Diagnostic("error", "creating Lambda Function (support)", v1),
    ]


@pytest.mark.parametrize(("code", "status", "message"), CASES, ids=[f"{c[0]}-{c[2][:20]}" for c in CASES])
def test_both_paths_agree(code: str, status: int, message: str) -> None:
    expected = aws_path(code, status, message)
    for diag in terraform_messages(code, status, message):
        err = error_from_run("apply", returncode=1, diagnostics=[diag])
        where = f"{code} quoted as {diag.detail!r}"
        assert err.data["kind"] == expected.data["family"], where
        assert err.category == expected.category, where
        assert err.exit_code == expected.exit_code, where
        assert err.hint == expected.hint, where


def test_the_emulator_providers_quoting_agrees() -> None:
    # the offline provider reports "<action> <type>: <Code>: <Message>" as the summary
    expected = aws_path("EntityAlreadyExists", 409, "Role with name agent-role already exists.")
    diag = Diagnostic(
        "error",
        "creating aws_iam_role: EntityAlreadyExists: Role with name agent-role already exists.",
        "The AWS emulator rejected CreateRole.",
    )
    err = error_from_run("apply", returncode=1, diagnostics=[diag])
    assert (err.data["kind"], err.category, err.hint) == (expected.data["family"], expected.category, expected.hint)


def test_a_conflict_that_says_already_exists_is_already_exists() -> None:
    assert aws_path("ResourceConflictException", 409, "Function already exist: support").data["family"] == (
        "already_exists"
    )
    assert aws_path("ResourceConflictException", 409, "An update is in progress").data["family"] == "conflict"


# --- the table itself -----------------------------------------------------------------------------


def test_each_aws_code_belongs_to_one_kind() -> None:
    from strands_tf.error_codes import KINDS

    owners: dict[str, str] = {}
    for kind in KINDS:
        for code in kind.codes:
            assert code not in owners, f"{code} is listed by {owners[code]} and {kind.name}"
            owners[code] = kind.name
        assert kind.title and kind.explanation and kind.next_step()


def test_docs_list_the_table() -> None:
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "gen_error_docs.py"
    spec = importlib.util.spec_from_file_location("gen_error_docs", script)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = gen.OUTPUT.read_text("utf-8")
    assert committed == gen.updated(committed), "docs/errors.md is out of date: run scripts/gen_error_docs.py"
    for kind in __import__("strands_tf.error_codes", fromlist=["KINDS"]).KINDS:
        assert f"| `{kind.name}`:" in committed
    check = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
