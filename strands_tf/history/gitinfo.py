"""Commit, branch and dirty flag of the project's checkout (all None when git or a repository is missing)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from strands_tf.history.models import GitInfo

log = logging.getLogger(__name__)
_TIMEOUT = 10.0


def _git(root: Path, *args: str) -> str | None:
    exe = shutil.which("git")
    if exe is None:
        return None
    # no optional locks: reading status must never block or disturb a concurrent git command
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            [exe, "-C", str(root), *args], capture_output=True, text=True, timeout=_TIMEOUT, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("git %s failed: %s", " ".join(args), exc)
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip()


def git_info(root: Path) -> GitInfo:
    """The checkout the deployment was made from."""
    commit = _git(root, "rev-parse", "--verify", "HEAD")
    if not commit:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
        if inside != "true":
            return GitInfo()
        return GitInfo(commit=None, branch=_git(root, "symbolic-ref", "--short", "HEAD"), dirty=True)
    branch = _git(root, "symbolic-ref", "--short", "-q", "HEAD") or None  # None on a detached HEAD
    # the tool's own working files (.strands/) do not make a checkout dirty
    status = _git(root, "status", "--porcelain", "--untracked-files=normal", "--", ".", ":(exclude).strands")
    return GitInfo(commit=commit, branch=branch, dirty=bool(status) if status is not None else None)
