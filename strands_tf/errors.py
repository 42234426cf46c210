"""One error framework for every command: categories, summary, detail, next step, exit code.

Library code raises these; the CLI renders them (text or JSON) and exits with the category's code.
Anything else that escapes is a bug and is shown with a traceback only under ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ExitCode:
    """Documented process exit codes (docs/errors.md, docs/cli.md)."""

    OK = 0
    USER = 1  # configuration or other user error: fix the input and run again
    USAGE = 2  # bad command line (click's own code)
    INFRA = 3  # infrastructure or runtime failure: AWS, Terraform, network, state
    # under --detailed-exitcode (plan, show) 2 means "changes": every failure exits 1, as Terraform's do
    DETAILED_ERROR = 1
    DETAILED_CHANGES = 2


class Category(StrEnum):
    """What kind of failure an error is; decides the exit code and the tone of the advice."""

    CONFIGURATION = "configuration"
    CREDENTIALS = "credentials"
    PERMISSIONS = "permissions"
    THROTTLING = "throttling"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    NETWORK = "network"
    STATE = "state"
    DEPENDENCY = "dependency"
    PROVISIONING = "provisioning"
    INTERNAL = "internal"


_USER_CATEGORIES = {Category.CONFIGURATION}


def exit_code_for(category: Category) -> int:
    """The process exit code of a failure category: 1 for the user's input, 3 for everything else."""
    return ExitCode.USER if category in _USER_CATEGORIES else ExitCode.INFRA


class StrandsError(Exception):
    """Base of every expected failure: a one-line summary, the detail and a suggested next step."""

    category: Category = Category.INTERNAL

    def __init__(
        self,
        summary: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        category: Category | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.hint = hint
        if category is not None:
            self.category = category
        self.data = data or {}

    @property
    def exit_code(self) -> int:
        """Exit code for this error's category."""
        return exit_code_for(self.category)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form used by ``--json`` and ``--log-format json``."""
        out: dict[str, Any] = {
            "category": str(self.category),
            "summary": self.summary,
            "detail": self.detail,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }
        if self.data:
            out["data"] = self.data
        return out

    def __str__(self) -> str:
        return self.summary


class UserError(StrandsError):
    """A mistake in what the user asked for (bad flag value, unknown environment)."""

    category = Category.CONFIGURATION


class CredentialsError(StrandsError):
    category = Category.CREDENTIALS


class PermissionsError(StrandsError):
    category = Category.PERMISSIONS


class ThrottlingError(StrandsError):
    category = Category.THROTTLING


class ConflictError(StrandsError):
    category = Category.CONFLICT


class NotFoundError(StrandsError):
    category = Category.NOT_FOUND


class NetworkError(StrandsError):
    category = Category.NETWORK


class StateError(StrandsError):
    category = Category.STATE


class DependencyError(StrandsError):
    category = Category.DEPENDENCY


class ProvisioningError(StrandsError):
    category = Category.PROVISIONING


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file, located to the character."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str | None = None

    def location(self) -> str:
        """``file:line:col`` (parts that are unknown are left out)."""
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def format(self) -> str:
        """``strands.yaml:31:9 agents.support.memory: message``."""
        where = f"{self.path}: " if self.path else ""
        return f"{self.location()} {where}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


class ConfigError(StrandsError):
    """Every problem found in one run of the configuration loader."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line or 0, i.column or 0, i.path, i.message))
        count = len(self.issues)
        first = self.issues[0].format() if self.issues else "invalid configuration"
        summary = first if count == 1 else f"{count} problems in the configuration; first: {first}"
        super().__init__(
            summary,
            detail="\n".join(i.format() for i in self.issues),
            hint="Fix the lines above and run `strands validate` again.",
            category=Category.CONFIGURATION,
        )

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["issues"] = [i.to_dict() for i in self.issues]
        return out
