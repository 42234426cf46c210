"""Post plan comments where a pipeline has no client for it: GitLab merge request notes over the REST API."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from strands_tf.errors import NetworkError, UserError

GITLAB_TOKEN_VARIABLE = "STRANDS_GITLAB_TOKEN"
_GITLAB_VARIABLES = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID")


def comment_files(directory: Path) -> list[Path]:
    """The comment parts `--comment-dir` wrote, in order (plan-1.md, plan-2.md, ...)."""
    numbered = [(p.stem.removeprefix("plan-"), p) for p in directory.glob("plan-*.md")]
    parts = [p for _, p in sorted((int(n), p) for n, p in numbered if n.isdigit())]
    if not parts:
        raise UserError(
            f"no plan comments in {directory} (plan-<n>.md)",
            hint="write them with `strands show PLAN... --format markdown --comment-dir DIR`",
        )
    return parts


def post_gitlab_notes(directory: Path, environ: Mapping[str, str] | None = None, *, timeout: float = 30) -> list[str]:
    """Post each comment part as a note on the merge request of this GitLab CI job; returns the note URLs."""
    env = os.environ if environ is None else environ
    missing = [name for name in (*_GITLAB_VARIABLES, GITLAB_TOKEN_VARIABLE) if not env.get(name)]
    if missing:
        raise UserError(
            f"not in a GitLab merge request pipeline with a token: {', '.join(missing)} unset",
            hint=f"run it in a merge request pipeline and set {GITLAB_TOKEN_VARIABLE} (a project access token "
            "with the api scope, masked and protected)",
        )
    url = (
        f"{env['CI_API_V4_URL'].rstrip('/')}/projects/{env['CI_PROJECT_ID']}/merge_requests/"
        f"{env['CI_MERGE_REQUEST_IID']}/notes"
    )
    posted: list[str] = []
    for part in comment_files(directory):
        body = json.dumps({"body": part.read_text("utf-8")}).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"PRIVATE-TOKEN": env[GITLAB_TOKEN_VARIABLE], "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                note = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            # the token never goes into the message; GitLab's answer says what is wrong (scope, expiry)
            raise NetworkError(
                f"GitLab refused the plan comment ({exc.code} {exc.reason}) for {part.name}",
                hint="check that STRANDS_GITLAB_TOKEN is a project access token with the api scope",
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise NetworkError(f"could not reach GitLab at {env['CI_API_V4_URL']}: {exc}") from None
        posted.append(str(note.get("id", "")))
    return posted
