"""Bring a record's synthesized stacks back to this machine so `rollback_project` can re-apply them."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from strands_tf.deploy.assets import AssetStore
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import StateError, UserError
from strands_tf.fsutil import private_mkdir
from strands_tf.history import layout
from strands_tf.history.archive import extract_stacks_archive
from strands_tf.history.models import RecordMetadata
from strands_tf.history.service import History


@dataclass
class FetchedStacks:
    """Where the stacks are, and whether they had to be downloaded."""

    directory: Path
    downloaded: bool


def fetch_stacks(history: History, meta: RecordMetadata, root: Path, *, allow_redacted: bool = False) -> FetchedStacks:
    """`.strands/deployments/<id>/cdktf.out` from the record (downloaded and checked unless already there)."""
    archive_info = meta.objects.get(layout.STACKS_ARCHIVE)
    if archive_info is None:
        raise StateError(f"record {meta.id} has no stacks archive", hint="only apply records can be rolled back to")
    if meta.command == "destroy":
        raise UserError(
            f"record {meta.id} is a destroy: there is nothing to roll back to",
            hint="roll back to an apply record (`strands history list` shows the command of each)",
        )
    target = Workspace(root).deployment_dir(meta.id) / "cdktf.out"
    if (target / "manifest.json").is_file():
        # the machine that made the deployment still has its own, unredacted copy
        return FetchedStacks(target, downloaded=False)
    if archive_info.redactions and not allow_redacted:
        raise UserError(
            f"record {meta.id}: {archive_info.redactions} value(s) in its stacks were sensitive or matched "
            "history.redact and were replaced before upload; re-applying them would deploy the redaction markers",
            hint="roll back from the machine that made the deployment (`strands rollback ID`), "
            "or pass --allow-redacted if those values do not matter",
        )
    # under .strands/ like a deployment's own copy (the stacks hold every configured value): private
    private_mkdir(target.parent)
    scratch = Path(tempfile.mkdtemp(prefix=".history-", dir=target.parent))
    try:
        archive = history.download_object(meta, layout.STACKS_ARCHIVE, scratch / layout.STACKS_ARCHIVE)
        unpacked = extract_stacks_archive(archive, scratch / "cdktf.out")
        # agent zips linked to the content-addressed store, as a deployment's own copy: one download of a
        # record whose code is already here adds no asset bytes
        staged = scratch / "linked"
        AssetStore(Workspace(root).objects_dir()).copy_tree(unpacked, staged)
        if target.exists():  # a partial copy without its manifest
            shutil.rmtree(target)
        os.replace(staged, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return FetchedStacks(target, downloaded=True)
