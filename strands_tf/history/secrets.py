"""Learn the values Terraform marks sensitive, from the local files a deployment leaves, to scrub them again.

Producers (plan summary, state mapper, event log) already mask what they know is sensitive; history scans a
second time with the values themselves, taken from local tfstate files (the local backend's and any state
inside plan files, which are zip archives holding the prior state). Nothing here is ever uploaded.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from strands_tf.inputfile import loads_json
from strands_tf.terraform.tfstate import normalize_sensitive_paths, searched_secrets

log = logging.getLogger(__name__)

_PLAN_STATE_ENTRIES = ("tfstate", "tfstate-prev")


def _string_leaves(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _string_leaves(v, out)
    elif isinstance(value, list):
        for v in value:
            _string_leaves(v, out)


CROSS_STACK_OUTPUT_PREFIX = "cross-stack-output-"


def secrets_in_tfstate(doc: Any) -> set[str]:
    """String values a tfstate document marks sensitive (attributes and outputs)."""
    found: set[str] = set()
    if not isinstance(doc, dict):
        return found
    for name, output in (doc.get("outputs") or {}).items():
        # CDKTF marks every cross-stack output sensitive by convention; strands only wires names, ARNs and
        # URLs through them (module outputs that are secret are declared sensitive at the source instead)
        if str(name).startswith(CROSS_STACK_OUTPUT_PREFIX):
            continue
        if isinstance(output, dict) and output.get("sensitive"):
            _string_leaves(output.get("value"), found)
    for resource in doc.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        for instance in resource.get("instances") or []:
            if not isinstance(instance, dict):
                continue
            attributes = instance.get("attributes")
            paths = normalize_sensitive_paths(instance.get("sensitive_attributes"))
            if isinstance(attributes, dict) and paths:
                found |= searched_secrets(str(resource.get("type") or ""), attributes, list(paths))
    return found


def _local_state_files(stack_dir: Path) -> Iterator[Path]:
    """The stack's local-backend state: the configured path, else terraform.tfstate in the working dir."""
    yield stack_dir / "terraform.tfstate"
    try:
        doc = loads_json((stack_dir / "cdk.tf.json").read_text("utf-8"))
    except (OSError, ValueError):
        return
    backend = ((doc.get("terraform") or {}).get("backend") or {}).get("local")
    if isinstance(backend, list):
        backend = backend[0] if backend else None
    if isinstance(backend, dict) and isinstance(backend.get("path"), str):
        yield (stack_dir / backend["path"]).resolve()


def _read_json(path: Path) -> Any:
    try:
        return loads_json(path.read_bytes())
    except (OSError, ValueError):
        return None


def harvest_secrets(deployment_dir: Path) -> set[str]:
    """Sensitive values found in a deployment's local state files and plan files (best effort)."""
    found: set[str] = set()
    stacks_dir = deployment_dir / "cdktf.out" / "stacks"
    if stacks_dir.is_dir():
        for stack_dir in sorted(p for p in stacks_dir.iterdir() if p.is_dir()):
            for path in _local_state_files(stack_dir):
                if path.is_file():
                    found |= secrets_in_tfstate(_read_json(path))
                    backup = path.with_name(path.name + ".backup")
                    if backup.is_file():
                        found |= secrets_in_tfstate(_read_json(backup))
    plans = deployment_dir / "plans"
    if plans.is_dir():
        for plan_file in sorted(plans.rglob("*.tfplan")):  # every attempt's plans
            try:
                with zipfile.ZipFile(plan_file) as archive:
                    for entry in _PLAN_STATE_ENTRIES:
                        if entry in archive.namelist():
                            try:
                                found |= secrets_in_tfstate(loads_json(archive.read(entry)))
                            except ValueError:
                                continue
            except (OSError, zipfile.BadZipFile):
                log.debug("plan file %s is not a readable archive", plan_file)
    return {s for s in found if s}
