"""History of one project: the store chosen from strands.yaml, the spool, and every operation on records."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import ValidationError

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.errors import NotFoundError, StateError, StrandsError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, private_mkdir, sha256_file
from strands_tf.history import layout
from strands_tf.history.models import RecordMetadata
from strands_tf.history.store import HistoryStore, LocalStore, MirroredStore, S3Store
from strands_tf.inputfile import MAX_HISTORY_OBJECT_BYTES, InputFileError, read_input

log = logging.getLogger(__name__)

HISTORY_DIR = Path(".strands") / "history"
SPOOL_DIR = Path(".strands") / "history-spool"
_BUCKET_BAD = re.compile(r"[^a-z0-9-]+")
_LIST_WORKERS = 8


def emulator_bucket_name(project: str) -> str:
    """The history bucket inside the emulator when strands.yaml names none."""
    name = _BUCKET_BAD.sub("-", f"strands-history-{project}".lower()).strip("-")
    return name[:63].rstrip("-")


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".jsonl"):
        return "application/x-ndjson"
    if name.endswith(".tar.gz"):
        return "application/gzip"
    if name.endswith((".yaml", ".yml")):
        return "application/yaml"
    return "application/octet-stream"


def _id_time(deployment_id: str) -> datetime:
    return datetime.strptime(deployment_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@dataclass
class VerifyReport:
    """The outcome of checking every object of a record against metadata.json."""

    id: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ok": self.ok,
            "checked": self.checked,
            "missing": self.missing,
            "mismatched": self.mismatched,
            "unlisted": self.unlisted,
        }


@dataclass
class SyncReport:
    """Spooled records uploaded by a sync, and those still waiting (with why)."""

    uploaded: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)
    skipped_busy: bool = False


@dataclass
class History:
    """A project's records in one store, plus the local spool of records not uploaded yet."""

    store: HistoryStore
    project: str
    root: Path
    prefix: str = ""

    @property
    def spool(self) -> LocalStore:
        return LocalStore(self.root / SPOOL_DIR)

    # --- keys

    def record_key(self, environment: str, deployment_id: str, name: str = "") -> str:
        return layout.join(layout.record_prefix(self.prefix, self.project, environment, deployment_id), name)

    # --- reading

    def environments(self) -> list[str]:
        """Environments that have records."""
        return self.store.list_children(layout.project_prefix(self.prefix, self.project))

    def ids(self, environment: str) -> list[str]:
        """Record ids of an environment, newest first (incomplete ones included)."""
        prefix = layout.environment_prefix(self.prefix, self.project, environment)
        return sorted((i for i in self.store.list_children(prefix) if layout.is_deployment_id(i)), reverse=True)

    def metadata(self, environment: str, deployment_id: str) -> RecordMetadata:
        """A record's metadata.json, validated."""
        key = self.record_key(environment, deployment_id, layout.METADATA)
        raw = self.store.get_bytes(key)
        return parse_metadata(raw, f"{self.store.location}/{key}")

    def list(self, environment: str | None = None, limit: int | None = None) -> list[RecordMetadata]:
        """Complete records, newest first (of one environment, or of all)."""
        envs = [environment] if environment else self.environments()
        candidates = sorted(((i, e) for e in envs for i in self.ids(e)), reverse=True)
        out: list[RecordMetadata] = []
        window = max(_LIST_WORKERS * 2, limit or 0)
        # metadata.json objects are fetched side by side (clients are thread-safe); order is kept
        with ThreadPoolExecutor(max_workers=_LIST_WORKERS, thread_name_prefix="history-list") as pool:
            for start in range(0, len(candidates), window):
                chunk = candidates[start : start + window]
                for meta in pool.map(lambda c: self._maybe_metadata(c[1], c[0]), chunk):
                    if meta is not None:
                        out.append(meta)
                if limit is not None and len(out) >= limit:
                    return out[:limit]
        return out

    def _maybe_metadata(self, environment: str, deployment_id: str) -> RecordMetadata | None:
        try:
            return self.metadata(environment, deployment_id)
        except NotFoundError:
            log.debug("record %s/%s has no metadata.json (incomplete upload)", environment, deployment_id)
        except StateError as exc:
            log.warning("skipping record %s: %s", deployment_id, exc.summary)
        return None

    def find(self, deployment_id: str, environment: str | None = None) -> RecordMetadata:
        """The record with this id (looked up in every environment unless one is given)."""
        layout.check_deployment_id(deployment_id)
        envs = [environment] if environment else self.environments()
        for env in envs:
            try:
                return self.metadata(env, deployment_id)
            except NotFoundError:
                continue
        where = f"environment '{environment}'" if environment else "any environment"
        raise NotFoundError(
            f"no deployment record {deployment_id} in {where} of {self.store.location}",
            hint="`strands history list` shows the recorded deployments",
        )

    def read_object(self, meta: RecordMetadata, name: str) -> bytes:
        """One object of a record."""
        return self.store.get_bytes(self.record_key(meta.environment, meta.id, name))

    def record_config(self, meta: RecordMetadata) -> dict[str, bytes]:
        """The configuration objects of a record (strands.yaml, fragments, resolved.json)."""
        return {n: self.read_object(meta, n) for n in sorted(meta.objects) if n.startswith(layout.CONFIG_DIR + "/")}

    def download_object(self, meta: RecordMetadata, name: str, path: Path, *, check: bool = True) -> Path:
        """Download one object to `path`, checking its sha256 against the metadata."""
        self.store.download(self.record_key(meta.environment, meta.id, name), path)
        expected = meta.objects.get(name)
        if check and expected is not None and sha256_file(path) != expected.sha256:
            path.unlink(missing_ok=True)
            raise StateError(
                f"{name} of record {meta.id} does not match its recorded sha256",
                hint=f"run `strands history verify {meta.id}`",
            )
        return path

    # --- checking and pruning

    def verify(self, meta: RecordMetadata, scratch: Path) -> VerifyReport:
        """Download every object listed in metadata.json and compare sha256 and size."""
        report = VerifyReport(meta.id)
        prefix = self.record_key(meta.environment, meta.id)
        present = set(self.store.list_keys(prefix))
        private_mkdir(scratch)
        for name, info in sorted(meta.objects.items()):
            key = layout.join(prefix, name)
            if key not in present:
                report.missing.append(name)
                continue
            target = scratch / "object"
            self.store.download(key, target)
            report.checked += 1
            if target.stat().st_size != info.size or sha256_file(target) != info.sha256:
                report.mismatched.append(name)
            target.unlink(missing_ok=True)
        known = {layout.join(prefix, n) for n in meta.objects} | {layout.join(prefix, layout.METADATA)}
        report.unlisted = sorted(k[len(prefix) + 1 :] for k in present - known)
        return report

    def prune(self, older_than_days: int, *, dry_run: bool = False, now: datetime | None = None) -> list[str]:
        """Delete records older than `older_than_days` (by id time); returns `<env>/<id>` of each."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
        removed: list[str] = []
        for env in self.environments():
            for deployment_id in self.ids(env):
                if _id_time(deployment_id) >= cutoff:
                    continue
                removed.append(f"{env}/{deployment_id}")
                if not dry_run:
                    keys = self.store.list_keys(self.record_key(env, deployment_id))
                    # metadata.json first: a half-deleted record is then incomplete, never listed as whole
                    meta_key = self.record_key(env, deployment_id, layout.METADATA)
                    ordered = [k for k in keys if k == meta_key] + [k for k in keys if k != meta_key]
                    self.store.delete_keys(ordered)
        return removed

    # --- writing

    def upload_directory(self, directory: Path, key_prefix: str, metadata: RecordMetadata) -> None:
        """Upload a record directory: every object, then metadata.json last (marks the record complete)."""
        names = sorted(metadata.objects)
        for name in names:  # every object checked before the first upload: a damaged record uploads nothing
            path = directory / name
            if not path.is_file():
                raise StateError(f"spooled record {metadata.id} lacks {name}")
            if sha256_file(path) != metadata.objects[name].sha256:
                raise StateError(
                    f"spooled object {name} of {metadata.id} changed since it was recorded",
                    hint=f"remove {directory} if it is damaged",
                )

        def put(name: str) -> None:
            self.store.put_file(layout.join(key_prefix, name), directory / name, content_type=_content_type(name))

        # the objects are independent (one request each, latency-bound): upload them together; metadata.json
        # only once every one of them is in place
        with ThreadPoolExecutor(max_workers=min(8, max(1, len(names))), thread_name_prefix="strands-history") as pool:
            for _ in pool.map(put, names):
                pass
        self.store.put_file(
            layout.join(key_prefix, layout.METADATA), directory / layout.METADATA, content_type="application/json"
        )

    def spooled(self) -> list[tuple[str, Path]]:
        """Complete records in the spool as (record key prefix, directory), oldest first."""
        spool_root = self.root / SPOOL_DIR
        if not spool_root.is_dir():
            return []
        found = []
        for meta_path in spool_root.rglob(layout.METADATA):
            directory = meta_path.parent
            if directory.name.startswith(".") or not layout.is_deployment_id(directory.name):
                continue
            found.append((directory.relative_to(spool_root).as_posix(), directory))
        return sorted(found, key=lambda item: (item[1].name, item[0]))

    def sync(self) -> SyncReport:
        """Upload every spooled record to the store (same bytes, same hashes), removing each once stored."""
        report = SyncReport()
        spool_root = self.root / SPOOL_DIR
        if not spool_root.is_dir():
            return report
        lock = FileLock(str(spool_root / ".sync.lock"), timeout=0, mode=PRIVATE_FILE_MODE)
        try:
            lock.acquire()
        except Timeout:
            report.skipped_busy = True  # another strands process is syncing right now
            return report
        try:
            for key_prefix, directory in self.spooled():
                try:
                    raw = read_input(directory / layout.METADATA, MAX_HISTORY_OBJECT_BYTES)
                    metadata = parse_metadata(raw, str(directory))
                    self.upload_directory(directory, key_prefix, metadata)
                except (OSError, InputFileError) as exc:  # a spooled file vanished or is unreadable: skip it only
                    report.pending[key_prefix] = f"cannot read the spooled record: {exc}"
                    continue
                except StrandsError as exc:
                    report.pending[key_prefix] = exc.summary
                    # the store is unreachable or refusing: the rest would fail the same way
                    if exc.category not in ("state",):
                        for other, _dir in self.spooled():
                            if other != key_prefix and other not in report.uploaded:
                                report.pending.setdefault(other, "not tried: the store failed on an earlier record")
                        break
                    continue
                shutil.rmtree(directory, ignore_errors=True)
                _remove_empty_parents(directory.parent, spool_root)
                report.uploaded.append(key_prefix)
        finally:
            lock.release()
        return report

    def restore_from(self, local_root: Path) -> list[str]:
        """Upload the complete records of a local copy that this store lacks (by id); `<env>/<id>` of each.

        Cheap when nothing is missing: one listing per environment on each side.
        """
        source = History(LocalStore(local_root), self.project, self.root, self.prefix)
        restored: list[str] = []
        for environment in source.environments():
            present = set(self.ids(environment))
            for deployment_id in sorted(set(source.ids(environment)) - present):
                meta = source._maybe_metadata(environment, deployment_id)
                if meta is None:
                    continue  # never completed locally: nothing to restore
                directory = local_root.joinpath(*source.record_key(environment, deployment_id).split("/"))
                self.upload_directory(directory, self.record_key(environment, deployment_id), meta)
                restored.append(f"{environment}/{deployment_id}")
        return restored

    def push_local(self, local_root: Path, *, environment: str | None = None) -> tuple[list[str], list[str]]:
        """Copy records from a local history directory into this (bucket) store; (pushed, already there)."""
        source = History(LocalStore(local_root), self.project, self.root, self.prefix)
        pushed: list[str] = []
        present: list[str] = []
        for meta in reversed(source.list(environment)):
            key_prefix = self.record_key(meta.environment, meta.id)
            if self.store.exists(layout.join(key_prefix, layout.METADATA)):
                present.append(f"{meta.environment}/{meta.id}")
                continue
            directory = local_root / Path(*source.record_key(meta.environment, meta.id).split("/"))
            self.upload_directory(directory, key_prefix, meta)
            pushed.append(f"{meta.environment}/{meta.id}")
        return pushed, present


def _remove_empty_parents(directory: Path, stop: Path) -> None:
    current = directory
    while current != stop and stop in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def parse_metadata(raw: bytes, where: str) -> RecordMetadata:
    """metadata.json → RecordMetadata, or a StateError naming the object."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise StateError(
            f"{where} is not valid JSON: {reason}", hint="the record is damaged; `strands history verify` checks it"
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("format_version"), int) and doc["format_version"] > 1:
        raise StateError(
            f"{where} has format_version {doc['format_version']}, newer than this strands-tf reads",
            hint="upgrade strands-tf",
        )
    try:
        return RecordMetadata.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise StateError(
            f"{where} is not a deployment record ({'.'.join(map(str, first['loc']))}: {first['msg']})",
            hint="the record is damaged; `strands history verify` checks it",
        ) from None


def open_history(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    *,
    factory: Any = None,
    endpoint_url: str | None = None,
    local: bool = False,
) -> History:
    """The history of the project for the resolved environment's target.

    history.bucket → that S3 bucket; otherwise (or with `local`) `.strands/history/`. An emulator environment
    keeps its records in a bucket inside the emulator (its endpoint given by `endpoint_url`) and in a copy on
    disk (`Workspace.emulator_history_dir`) that outlives the emulator: every write goes to both, a new
    emulator's bucket is filled from the copy, and with no emulator running the copy is the history.
    """
    cfg = loaded.config.history
    prefix = layout.normalize_prefix(cfg.prefix)
    project = loaded.config.project
    emulator = resolved.environment.target == "emulator"
    if local or (not cfg.bucket and not emulator):
        return History(LocalStore(loaded.root / HISTORY_DIR), project, loaded.root, prefix)
    if emulator:
        from strands_tf.deploy.workspace import Workspace

        copy_root = Workspace(loaded.root).emulator_history_dir()
        if not endpoint_url:
            return History(LocalStore(copy_root), project, loaded.root, prefix)
    from strands_tf.aws.session import default_factory
    from strands_tf.aws.target import target_for_environment

    factory = factory or default_factory()
    target = target_for_environment(resolved, endpoint_url=endpoint_url if emulator else None)
    client = factory.client("s3", target)
    bucket = cfg.bucket or emulator_bucket_name(project)
    store = S3Store(client, bucket, kms_key=None if emulator else cfg.kms_key, target=target)
    if not emulator:
        return History(store, project, loaded.root, prefix)
    from strands_tf.history.bucket import BucketSettings, bucket_exists, init_bucket

    # the emulator starts empty: its bucket is created on first use, with the same settings as in AWS,
    # and given back the records of earlier emulators from the copy on disk
    if not bucket_exists(client, bucket, target):
        region = resolved.environment.region
        settings = BucketSettings(bucket, region, cfg.retention_days, prefix)
        init_bucket(client, settings, target=target)
    restored = History(store, project, loaded.root, prefix).restore_from(copy_root)
    if restored:
        log.info("restored %d history record(s) into the emulator from %s", len(restored), copy_root)
    return History(MirroredStore(store, LocalStore(copy_root)), project, loaded.root, prefix)


def bucket_target(loaded: LoadedProject, resolved: ResolvedProject) -> str:
    """Where records of this environment go, in words."""
    cfg = loaded.config.history
    if resolved.environment.target == "emulator":
        from strands_tf.deploy.workspace import Workspace

        copy = Workspace(loaded.root).emulator_history_dir()
        return f"s3://{cfg.bucket or emulator_bucket_name(loaded.config.project)} (inside the emulator; copy in {copy})"
    if cfg.bucket:
        return f"s3://{cfg.bucket}"
    return str(loaded.root / HISTORY_DIR)


def require_bucket(loaded: LoadedProject) -> str:
    """history.bucket, or a clear error for commands that need one."""
    bucket = loaded.config.history.bucket
    if not bucket:
        raise UserError(
            "history.bucket is not set in strands.yaml",
            hint="add `history: {bucket: <name>}` to strands.yaml, then run `strands history init`",
        )
    return bucket


def iter_object_lines(data: bytes) -> Iterable[str]:
    """Lines of a JSONL object."""
    for line in data.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            yield line
