"""AWS access: targets, sessions and clients, retries, identity checks, error conversion, Terraform env."""

from __future__ import annotations

from strands_tf.aws.errors import aws_errors, convert_aws_error
from strands_tf.aws.identity import (
    CallerIdentity,
    IdentityReport,
    check_environments,
    get_caller_identity,
    verify_identity,
)
from strands_tf.aws.retry import ClientSettings, WaitTimeoutError, client_config, wait_until
from strands_tf.aws.session import AwsSessionFactory, default_factory
from strands_tf.aws.target import AwsTarget, default_session_name
from strands_tf.aws.terraform_env import TerraformAwsEnv, terraform_aws_env

__all__ = [
    "AwsSessionFactory",
    "AwsTarget",
    "CallerIdentity",
    "ClientSettings",
    "IdentityReport",
    "TerraformAwsEnv",
    "WaitTimeoutError",
    "aws_errors",
    "check_environments",
    "client_config",
    "convert_aws_error",
    "default_factory",
    "default_session_name",
    "get_caller_identity",
    "terraform_aws_env",
    "verify_identity",
    "wait_until",
]
