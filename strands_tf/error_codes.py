"""The one table of failure kinds: AWS error codes and Terraform diagnostics → kind, category, exit code, next step.

Both classifiers read it: :mod:`strands_tf.aws.errors` (boto3 errors, by error code and HTTP status) and
:mod:`strands_tf.terraform.diagnostics` (Terraform's diagnostics, by the AWS error code quoted in them,
else by the text patterns here). So an ``AccessDenied`` is the same kind, category, exit code and
next step whichever path reports it. docs/errors.md lists this table (``scripts/gen_error_docs.py``).

A hint may name placeholders (``{identity}``, ``{refresh}``, ``{region}``, ``{lock_id}``, ``{holder}``)
that a classifier with more context fills in; without it they read as the defaults below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from strands_tf.errors import Category, exit_code_for


@dataclass(frozen=True)
class FailureKind:
    """One kind of failure: how to recognise it, how serious it is and what to do next."""

    name: str
    category: Category
    title: str  # what it means, for docs/errors.md
    explanation: str  # one sentence for a Terraform diagnostic ({at} names where)
    hint: str
    codes: frozenset[str] = frozenset()  # AWS error codes, matched exactly
    suffixes: tuple[str, ...] = ()  # ... or by their ending (InvalidVpcID.NotFound)
    prefixes: tuple[str, ...] = ()  # ... or their start (NoSuchLifecycleConfiguration)
    statuses: tuple[int, ...] = ()  # HTTP statuses of codes nobody listed
    text: re.Pattern[str] | None = None  # Terraform diagnostics (summary and detail) that quote no AWS error code
    summary: re.Pattern[str] | None = None  # ... and/or their summary line alone
    before_codes: bool = False  # a Terraform situation that wins over the AWS error code it quotes
    code_hints: Mapping[str, str] = field(default_factory=dict)  # a more precise next step for some codes

    @property
    def exit_code(self) -> int:
        """The process exit code of this kind (from its category)."""
        return exit_code_for(self.category)

    def next_step(self, code: str | None = None, **context: str) -> str:
        """The hint for this kind (or for one of its codes), placeholders filled from ``context`` or defaults."""
        template = self.code_hints.get(code or "", self.hint)
        return template.format_map({**HINT_DEFAULTS, **{k: v for k, v in context.items() if v is not None}})


HINT_DEFAULTS: dict[str, str] = {
    "identity": "the deploying identity",
    "refresh": "Check the credentials of this environment (`strands doctor` shows which are used; "
    "`aws sso login --profile NAME` renews an SSO session, `aws configure --profile NAME` sets keys) and run again.",
    "region": " and region",
    "lock_id": "LOCK_ID",
    "holder": "named in the message below",
}

_CLOCK = "This machine's clock is off: enable NTP time sync and run the command again."


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.I)


# Order matters twice. Codes: an exact code wins over every ending/prefix rule, and those are tried
# in this order. Terraform text (when no AWS code is quoted): the first kind whose pattern matches wins.
KINDS: tuple[FailureKind, ...] = (
    FailureKind(
        "state_lock",
        Category.STATE,
        "Terraform's state is locked by another run (or by one that crashed)",
        "The Terraform state is locked by another run.",
        "Wait for the run that holds the lock ({holder}) to finish. If it is gone (crashed or killed), release "
        "the lock with `strands force-unlock {lock_id}`.",
        # a DynamoDB lock table answers ConditionalCheckFailed: in a Terraform message that is the lock
        text=_words(r"Error (?:acquiring|releasing) the state lock", r"state lock", r"ConditionalCheckFailedException"),
        before_codes=True,
    ),
    FailureKind(
        "expired",
        Category.CREDENTIALS,
        "the credentials have expired",
        "AWS rejected the credentials: they have expired{at}.",
        "{refresh}",
        codes=frozenset(
            {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired", "ExpiredTokenError"}
        ),
        code_hints={"RequestExpired": "The request was signed too long ago: " + _CLOCK},
    ),
    FailureKind(
        "invalid_credentials",
        Category.CREDENTIALS,
        "AWS does not accept the credentials (unknown, deactivated or mistyped keys; a wrong clock)",
        "AWS does not accept the credentials{at}.",
        "AWS does not recognise these credentials (deleted or deactivated keys, or keys for another partition or "
        "endpoint). {refresh}",
        codes=frozenset(
            {
                "InvalidClientTokenId",
                "UnrecognizedClientException",
                "InvalidAccessKeyId",
                "SignatureDoesNotMatch",
                "IncompleteSignature",
                "MissingAuthenticationToken",
                "MissingAuthenticationTokenException",
                "AuthFailure",
                "InvalidToken",
                "InvalidSignatureException",
                "RequestTimeTooSkewed",
            }
        ),
        code_hints={
            "RequestTimeTooSkewed": _CLOCK,
            "SignatureDoesNotMatch": "The secret access key does not match the key id. {refresh}",
            "IncompleteSignature": "The secret access key does not match the key id. {refresh}",
            "InvalidSignatureException": "The secret access key does not match the key id. {refresh}",
        },
    ),
    FailureKind(
        "credentials",
        Category.CREDENTIALS,
        "no credentials were found, or they could not be refreshed",
        "AWS rejected or could not find credentials{at}.",
        "{refresh}",
        text=_words(
            r"no valid credential sources",
            r"NoCredentialProviders",
            r"security token included in the request is (?:invalid|expired)",
            r"failed to refresh cached credentials",
            r"validating provider credentials",
            r"(?:SSO )?(?:session|token) has expired",
            r"NoCredentialsError",
            r"Unable to locate credentials",
        ),
    ),
    FailureKind(
        "permissions",
        Category.PERMISSIONS,
        "AWS refused an action to the identity in use",
        "The deploying identity is not allowed to perform an action{what}{at}.",
        "Grant the permission named above to {identity} (an IAM policy on that user or role). If a service control "
        "policy or permissions boundary denies it, ask your AWS administrator. `strands doctor` shows which "
        "identity is used.",
        codes=frozenset(
            {
                "AccessDenied",
                "AccessDeniedException",
                "UnauthorizedOperation",
                "UnauthorizedAccess",
                "UnauthorizedException",
                "AuthorizationError",
                "AuthorizationErrorException",
                "Forbidden",
                "ForbiddenException",
                "AllAccessDisabled",
                "OptInRequired",
                "403",
            }
        ),
        suffixes=("AccessDenied", "AccessDeniedException", "Unauthorized", "Forbidden"),
        statuses=(401, 403),
        text=re.compile(
            r"AccessDenied|UnauthorizedOperation|is not authorized to perform|AuthorizationError|"
            r"AuthorizationFailure|explicit deny|StatusCode: 403|Forbidden"
        ),
        code_hints={
            "OptInRequired": "Enable the region or subscribe to the service for this account, or pick another region."
        },
    ),
    FailureKind(
        "throttling",
        Category.THROTTLING,
        "AWS throttled the calls after the retries",
        "AWS throttled the requests{at}.",
        "Wait a minute and run again; if it keeps happening, apply stacks one at a time "
        "(`strands apply --sequential`) so fewer requests run at once.",
        codes=frozenset(
            {
                "Throttling",
                "ThrottlingException",
                "ThrottledException",
                "RequestThrottled",
                "RequestThrottledException",
                "TooManyRequestsException",
                "RequestLimitExceeded",
                "SlowDown",
                "ProvisionedThroughputExceededException",
                "BandwidthLimitExceeded",
                "PriorRequestNotComplete",
                "EC2ThrottledException",
                "TransactionInProgressException",
                "429",
            }
        ),
        suffixes=("Throttling", "ThrottlingException", "Throttled"),
        statuses=(429,),
        text=_words(
            r"Throttling",
            r"TooManyRequests",
            r"RequestLimitExceeded",
            r"Rate exceeded",
            r"SlowDown",
            r"ProvisionedThroughputExceeded",
        ),
    ),
    FailureKind(
        "quota",
        Category.THROTTLING,
        "a service quota is reached",
        "A service quota was reached{at}.",
        "Delete unused resources of this kind, or request a higher quota in the Service Quotas console "
        "(https://console.aws.amazon.com/servicequotas/) and run again.",
        codes=frozenset(
            {
                "LimitExceeded",
                "LimitExceededException",
                "ServiceQuotaExceededException",
                "QuotaExceededException",
                "TooManyBuckets",
                "CodeStorageExceededException",
            }
        ),
        suffixes=("LimitExceeded", "LimitExceededException", "QuotaExceeded", "QuotaExceededException"),
        text=_words(r"LimitExceeded", r"ServiceQuotaExceeded", r"QuotaExceeded", r"quota (?:has been )?exceeded"),
    ),
    FailureKind(
        "already_exists",
        Category.CONFLICT,
        "a resource with the same name already exists outside this deployment",
        "A resource with the same name already exists outside this deployment{at}.",
        "A resource with this name already exists outside this deployment: if an apply killed mid-way left it, "
        "`strands orphans --adopt` imports it (or `--delete` removes it); otherwise rename yours in strands.yaml, "
        "then run again.",
        codes=frozenset(
            {
                "EntityAlreadyExists",
                "BucketAlreadyExists",
                "BucketAlreadyOwnedByYou",
                "ResourceAlreadyExistsException",
                "AlreadyExistsException",
            }
        ),
        suffixes=("AlreadyExists", "AlreadyExistsException", "Duplicate"),
        text=_words(
            r"EntityAlreadyExists",
            r"BucketAlreadyOwnedByYou",
            r"BucketAlreadyExists",
            r"ResourceAlreadyExists",
            r"AlreadyExistsException",
            r"InvalidPermission\.Duplicate",
            r"InvalidGroup\.Duplicate",
            r"\balready exists?\b",
        ),
    ),
    FailureKind(
        "conflict",
        Category.CONFLICT,
        "another change to the resource is in progress, or it is still in use",
        "Another change to the resource is in progress, or it is still in use{at}.",
        "Wait for other deployments or changes to the resource to finish and run again; if something outside "
        "strands still uses it, remove that first.",
        codes=frozenset(
            {
                "ConflictException",
                "Conflict",
                "ResourceConflictException",
                "ResourceInUse",
                "ResourceInUseException",
                "OperationAborted",
                "ConcurrentModification",
                "ConcurrentModificationException",
                "DeleteConflict",
                "DependencyViolation",
                "TransactionConflictException",
                "ConditionalCheckFailedException",
                "IncorrectStateException",
                "InvalidStateException",
                "409",
            }
        ),
        suffixes=("InUse", "InUseException"),
        statuses=(409,),
    ),
    FailureKind(
        "provider",
        Category.DEPENDENCY,
        "a Terraform provider could not be installed or failed while running",
        "A Terraform provider could not be installed or failed while running{at}.",
        "Run `strands doctor` to check the engine, provider cache, mirrors and access to the provider registry; on "
        "an offline machine install the provider into a filesystem mirror.",
        text=_words(
            r"Failed to install provider",
            r"Failed to query available provider packages",
            r"Failed to load plugin schemas",
            r"Plugin did not respond",
            r"plugin crashed",
            r"The plugin encountered an error",
            r"Failed to instantiate provider",
            r"Could not load plugin",
            r"Incompatible provider version",
            r"Required plugins are not installed",
            r"Inconsistent dependency lock file",
            r"Provider produced (?:inconsistent|invalid)",
            r"Missing required provider",
            r"provider registry",
            r"Failed to resolve provider packages",
        ),
    ),
    FailureKind(
        "configuration",
        Category.CONFIGURATION,
        "the Terraform configuration is invalid",
        "The Terraform configuration is invalid{at}.",
        "Fix the configuration at the location shown and run again.",
        # Terraform's own configuration errors have fixed summaries: matched against the summary only
        summary=_words(
            r"Unsupported argument",
            r"Missing required argument",
            r"Reference to undeclared",
            r"Invalid reference",
            r"Unsupported block type",
            r"Invalid expression",
            r"Argument or block definition required",
            r"Unclosed configuration block",
            r"Duplicate (?:resource|output|variable|module|provider)",
            r"Invalid value for (?:variable|input variable)",
            r"No value for required variable",
            r"Unsupported attribute",
            r"Invalid function argument",
            r"Call to unknown function",
            r"Cycle:",
            r"Invalid (?:block|attribute|character|index|template|count|for_each|resource)",
            r"Incorrect attribute value type",
            r"Inconsistent conditional result types",
            r"Missing newline",
            r"Syntax error",
            r"Invalid JSON",
            r"Unsupported Terraform Core version",
            r"Variables not allowed",
            r"Invalid provider configuration",
            r"Unknown variable",
            r"Undeclared input variable",
            r"Invalid backend configuration",
            r"Missing key/value separator",
            r"Invalid single-argument",
            r"Failed to read file",
            r"Unreadable module directory",
        ),
    ),
    FailureKind(
        "state_bucket",
        Category.NOT_FOUND,
        "the S3 bucket that holds the Terraform state does not exist",
        "The S3 bucket that holds the Terraform state does not exist.",
        "Create the state bucket (versioned, encrypted, public access blocked) or fix `state.bucket` and "
        "`state.region` in strands.yaml, then run again.",
        # only in Terraform's backend messages (elsewhere an AWS NoSuchBucket is `not_found`)
        summary=_words(r"workspaces", r"state", r"backend"),
        text=re.compile(r"(?i)NoSuchBucket|\bbucket\b.*\bdoes not exist\b"),
        before_codes=True,
    ),
    FailureKind(
        "not_found",
        Category.NOT_FOUND,
        "something the command needs does not exist",
        "Something this change needs does not exist in AWS{at}.",
        "Check the name or ARN, and that you are in the right account{region} (`strands doctor` shows both). If it "
        "was deleted outside strands, deploy again to recreate it.",
        codes=frozenset(
            {
                "NoSuchEntity",
                "NoSuchBucket",
                "NoSuchKey",
                "NotFound",
                "NotFoundException",
                "ResourceNotFound",
                "ResourceNotFoundException",
                "AWS.SimpleQueueService.NonExistentQueue",
                "QueueDoesNotExist",
                "ParameterNotFound",
                "404",
            }
        ),
        suffixes=("NotFound", "NotFoundException", "DoesNotExist", "NonExistentQueue"),
        prefixes=("NoSuch",),
        statuses=(404,),
        text=re.compile(
            r"NoSuchBucket|S3 bucket \"?[^\s\"]*\"? does not exist|ResourceNotFoundException|NoSuchEntity|"
            r"NotFoundException|NoSuchKey|InvalidParameterValue: .*not found|\bdoes not exist\b"
        ),
    ),
    FailureKind(
        "invalid_request",
        Category.PROVISIONING,
        "AWS rejected a value (an invalid parameter or policy)",
        "AWS rejected a value in the request{at}.",
        "Check the value named in the message (usually set in strands.yaml) and run again.",
        codes=frozenset(
            {
                "ValidationError",
                "ValidationException",
                "InvalidParameterValue",
                "InvalidParameterValueException",
                "InvalidParameter",
                "InvalidParameterException",
                "InvalidParameterCombination",
                "MalformedPolicyDocument",
                "MalformedPolicyDocumentException",
                "InvalidInput",
                "InvalidRequest",
                "InvalidRequestException",
                "InvalidArgument",
                "MissingParameter",
            }
        ),
        prefixes=("Invalid", "Malformed"),
        suffixes=("ValidationException", "ValidationError"),
    ),
    FailureKind(
        "server",
        Category.NETWORK,
        "AWS kept failing on its side (HTTP 5xx) after the retries",
        "AWS failed on its side{at}.",
        "AWS had a server-side problem that outlasted the retries: wait a few minutes and run again.",
        codes=frozenset(
            {
                "InternalError",
                "InternalFailure",
                "InternalServerError",
                "InternalServerErrorException",
                "InternalServiceError",
                "InternalServiceErrorException",
                "ServiceUnavailable",
                "ServiceUnavailableException",
                "ServiceException",
                "ServiceFailure",
                "Unavailable",
                "500",
                "502",
                "503",
                "504",
            }
        ),
        statuses=(500, 501, 502, 503, 504),
    ),
    FailureKind(
        "network",
        Category.NETWORK,
        "AWS (or the emulator) cannot be reached or timed out",
        "A network call failed{at}.",
        "Check network access to the endpoint (DNS, proxy, VPN, firewall) and run again.",
        text=_words(
            r"dial tcp",
            r"no such host",
            r"i/o timeout",
            r"connection refused",
            r"connection reset",
            r"TLS handshake timeout",
            r"network is unreachable",
            r"Client\.Timeout exceeded",
            r"send request failed",
            r"context deadline exceeded",
            r"net/http: request canceled",
            r"could not connect",
            r"temporary failure in name resolution",
        ),
    ),
    FailureKind(
        "stale_plan",
        Category.STATE,
        "the saved plan no longer matches the state",
        "The saved plan no longer matches the state: something changed it after the plan was made.",
        "Run the plan again, review it, and apply the new plan.",
        text=_words(r"Saved plan is stale", r"plan file can no longer be applied", r"Saved plan does not match"),
    ),
    FailureKind(
        "interrupted",
        Category.PROVISIONING,
        "the run was interrupted or cancelled; Terraform saved the state of what finished",
        "The run was interrupted; Terraform stopped gracefully and saved the state.",
        "Run the command again to continue from the saved state.",
        text=_words(r"execution halted", r"operation canceled", r"Interrupt received"),
    ),
    FailureKind(
        "timeout",
        Category.PROVISIONING,
        "a Terraform command ran longer than its time limit and was stopped",
        "A Terraform command ran longer than its time limit and was stopped.",
        "Raise the timeout, or find the slow resource in the log; run again to continue from the saved state.",
    ),
    FailureKind(
        "init_required",
        Category.STATE,
        "the Terraform working directory must be initialised again",
        "The working directory needs to be initialised again{at}.",
        "Run the command again; strands re-runs `terraform init` when the configuration changed.",
        text=_words(
            r"Backend initialization required",
            r"Module not installed",
            r"Backend configuration changed",
            r"Initialization required",
            r"please run \"terraform init\"",
        ),
    ),
    FailureKind(
        "provisioner",
        Category.PROVISIONING,
        "a provisioner command failed",
        "A provisioner command failed{at}.",
        "Read the command output above, fix the command or its inputs, then run again; resources created before "
        "the failure are kept in the state.",
        text=_words(r"local-exec provisioner error", r"remote-exec provisioner error", r"provisioner error"),
    ),
    FailureKind(
        "other",
        Category.PROVISIONING,
        "AWS refused a request with a code no other kind covers",
        "AWS refused the request{at}.",
        "Read the AWS message above; fix what it names and run again.",
    ),
    FailureKind(
        "terraform",
        Category.PROVISIONING,
        "Terraform failed in a way none of the kinds above describes",
        "Terraform reported an error{at}.",
        "Read the message from Terraform below; fix the cause and run again.",
    ),
)

BY_NAME: dict[str, FailureKind] = {kind.name: kind for kind in KINDS}
# kinds an AWS error code can have, in the order their ending/prefix rules are tried
_CODE_RULE_ORDER = ("not_found", "already_exists", "conflict", "quota", "throttling", "permissions", "invalid_request")
_ALREADY_EXISTS_MESSAGE = re.compile(r"\balready exists?\b", re.I)


def kind(name: str) -> FailureKind:
    """The kind called ``name``."""
    return BY_NAME[name]


def kind_of_code(code: str, status: int | None = None, message: str = "") -> FailureKind:
    """The kind of an AWS error: its code exactly, then by its shape, then by HTTP status; else `other`.

    A conflict whose message says the resource already exists (Lambda's ResourceConflictException,
    DynamoDB's ResourceInUseException for a table) is `already_exists`.
    """
    found = _by_code(code, status)
    if found.name == "conflict" and _ALREADY_EXISTS_MESSAGE.search(message):
        return BY_NAME["already_exists"]
    return found


def _by_code(code: str, status: int | None) -> FailureKind:
    for candidate in KINDS:
        if code in candidate.codes:
            return candidate
    for name in _CODE_RULE_ORDER:
        candidate = BY_NAME[name]
        if (candidate.suffixes and code.endswith(candidate.suffixes)) or (
            candidate.prefixes and code.startswith(candidate.prefixes)
        ):
            return candidate
    if status is not None:
        for candidate in KINDS:
            if status in candidate.statuses:
                return candidate
        if status >= 500:
            return BY_NAME["server"]
    return BY_NAME["other"]


# How Terraform's AWS provider quotes an AWS error (aws-sdk-go v2, then v1), and how the emulator does.
_QUOTED_CODE = (
    re.compile(r"api error ([A-Za-z][\w.]*):\s?(.*)"),
    re.compile(r"https response error StatusCode: \d+, RequestID: [^,]*,(?: HostID: [^,]*,)? ([A-Z][\w.]*):\s?(.*)"),
    re.compile(r"\b([A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?): (.*)\n\s*status code: \d+"),
)
_STATUS = re.compile(r"(?:StatusCode|status code):? (\d{3})")
_ANY_CODE = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?): (.*)")


def quoted_aws_error(text: str) -> tuple[str, int | None, str] | None:
    """(code, HTTP status, message) of the AWS error a Terraform diagnostic quotes, if it quotes one."""
    status_match = _STATUS.search(text)
    status = int(status_match.group(1)) if status_match else None
    for pattern in _QUOTED_CODE:
        match = pattern.search(text)
        if match:
            return match.group(1), status, match.group(2)
    # `creating aws_iam_role: EntityAlreadyExists: ...` (the emulator) or a bare code: only codes the table lists
    for match in _ANY_CODE.finditer(text):
        code = match.group(1)
        if any(code in candidate.codes for candidate in KINDS):
            return code, status, match.group(2)
    return None


def kind_of_text(text: str, *, summary: str = "", before_codes: bool | None = None) -> FailureKind | None:
    """The first kind whose Terraform patterns match a diagnostic (``text``: summary and detail), or None.

    ``before_codes`` limits the search to the kinds that win over a quoted AWS code (True) or to the others.
    """
    for candidate in KINDS:
        if candidate.text is None and candidate.summary is None:
            continue
        if before_codes is not None and candidate.before_codes != before_codes:
            continue
        if candidate.text is not None and not candidate.text.search(text):
            continue
        if candidate.summary is not None and not candidate.summary.search(summary):
            continue
        return candidate
    return None
