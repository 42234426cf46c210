"""Where records are kept: an S3 bucket (real AWS or the emulator) or a local directory, same key layout."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from botocore import exceptions as bx

from strands_tf.aws.errors import CONVERTIBLE, convert_aws_error
from strands_tf.aws.target import AwsTarget
from strands_tf.errors import NetworkError, NotFoundError, StateError, StrandsError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_bytes, open_private, private_mkdir
from strands_tf.inputfile import MAX_HISTORY_OBJECT_BYTES, InputFileError, open_input, read_input

log = logging.getLogger(__name__)

MULTIPART_THRESHOLD = 8 * 1024 * 1024
MULTIPART_CHUNK = 8 * 1024 * 1024
_COPY_CHUNK = 1 << 20


class HistoryStore(Protocol):
    """Objects under string keys ('a/b/c'): put, get, list, delete."""

    kind: str

    @property
    def location(self) -> str: ...

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def download(self, key: str, path: Path) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_children(self, prefix: str) -> list[str]: ...

    def list_keys(self, prefix: str) -> list[str]: ...

    def delete_keys(self, keys: list[str]) -> None: ...


class LocalStore:
    """Records in a directory (`.strands/history/`), written atomically; keys map to relative paths."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def location(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        parts = [p for p in key.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise ValueError(f"invalid history key {key!r}")
        return self.root.joinpath(*parts)

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        target = self._path(key)
        private_mkdir(target.parent)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with path.open("rb") as src, open_private(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        path = self._path(key)
        private_mkdir(path.parent)
        atomic_write_bytes(path, data, mode=PRIVATE_FILE_MODE)

    def get_bytes(self, key: str) -> bytes:
        try:
            return read_input(self._path(key), MAX_HISTORY_OBJECT_BYTES)
        except InputFileError as exc:
            raise self._input_error(key, exc) from None

    def download(self, key: str, path: Path) -> None:
        private_mkdir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            # a planted FIFO or a symlink to /dev/zero must not hang or fill the disk: bounded, regular only;
            # the copy lands under .strands/ (records hold a deployment's values): private
            with open_input(self._path(key), MAX_HISTORY_OBJECT_BYTES) as src, open_private(tmp, "wb") as dst:
                while chunk := src.read(_COPY_CHUNK):
                    dst.write(chunk)
            os.replace(tmp, path)
        except InputFileError as exc:
            raise self._input_error(key, exc) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _input_error(self, key: str, exc: InputFileError) -> StrandsError:
        if exc.reason in ("missing", "directory"):
            return NotFoundError(f"{key} not found in {self.root}")
        return StateError(f"history object {key} in {self.root}: {exc.problem}", hint=exc.hint)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_children(self, prefix: str) -> list[str]:
        base = self.root.joinpath(*[p for p in prefix.split("/") if p])
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir())

    def list_keys(self, prefix: str) -> list[str]:
        base = self.root.joinpath(*[p for p in prefix.split("/") if p])
        if not base.is_dir():
            return []
        keys = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".") and name.endswith(".tmp"):
                    continue
                keys.append((Path(dirpath) / name).relative_to(self.root).as_posix())
        return sorted(keys)

    def delete_keys(self, keys: list[str]) -> None:
        parents: set[Path] = set()
        for key in keys:
            path = self._path(key)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            parents.add(path.parent)
        # remove directories left empty, deepest first, never the root itself
        for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            current = parent
            while current != self.root and self.root in current.parents:
                try:
                    current.rmdir()
                except OSError:
                    break
                current = current.parent


class S3Store:
    """Records in an S3 bucket; large files go up in parts, every call with botocore's retries."""

    kind = "s3"

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        kms_key: str | None = None,
        target: AwsTarget | None = None,
        multipart_threshold: int = MULTIPART_THRESHOLD,
    ) -> None:
        from boto3.s3.transfer import TransferConfig

        self.client = client
        self.bucket = bucket
        self.kms_key = kms_key
        self.target = target
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(MULTIPART_CHUNK, multipart_threshold),
            max_concurrency=4,
            use_threads=True,
        )

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}"

    def _convert(self, exc: BaseException, operation: str, where: str) -> StrandsError:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, bx.ClientError) else None
        if code == "NoSuchBucket":
            return NotFoundError(
                f"the history bucket {self.bucket} does not exist",
                hint="create it with `strands history init` (records wait in .strands/history-spool meanwhile)",
            )
        if code in ("NoSuchKey", "404", "NotFound"):
            return NotFoundError(f"{where} not found")
        return convert_aws_error(exc, target=self.target, operation=f"{operation} {where}")

    @contextmanager
    def _errors(self, operation: str, key: str | None = None) -> Iterator[None]:
        where = f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"
        try:
            yield
        except StrandsError:
            raise
        except CONVERTIBLE as exc:
            raise self._convert(exc, operation, where) from exc
        except Exception as exc:  # boto3's transfer manager wraps failures in its own exception types
            from boto3.exceptions import S3UploadFailedError

            if isinstance(exc, S3UploadFailedError):
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, CONVERTIBLE):
                    raise self._convert(cause, operation, where) from exc
                raise NetworkError(
                    f"upload to {where} failed: {exc}",
                    hint="check the network and the bucket, then run `strands history sync`",
                ) from exc
            raise

    def _extra(self, content_type: str | None) -> dict[str, str]:
        extra: dict[str, str] = {}
        if self.kms_key:
            extra["ServerSideEncryption"] = "aws:kms"
            extra["SSEKMSKeyId"] = self.kms_key
        else:
            extra["ServerSideEncryption"] = "AES256"
        if content_type:
            extra["ContentType"] = content_type
        return extra

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        with self._errors("PutObject", key):
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs=self._extra(content_type), Config=self.transfer
            )

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        with self._errors("PutObject", key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **self._extra(content_type))

    def get_bytes(self, key: str) -> bytes:
        with self._errors("GetObject", key):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

    def download(self, key: str, path: Path) -> None:
        private_mkdir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with self._errors("GetObject", key):
                self.client.download_file(self.bucket, key, str(tmp), Config=self.transfer)
            # downloads land under .strands/ (records hold a deployment's values)
            os.chmod(tmp, PRIVATE_FILE_MODE)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def exists(self, key: str) -> bool:
        try:
            with self._errors("HeadObject", key):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except NotFoundError:
            return False
        return True

    def list_children(self, prefix: str) -> list[str]:
        base = prefix.rstrip("/") + "/" if prefix else ""
        out: list[str] = []
        with self._errors("ListObjectsV2", base):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base, Delimiter="/"):
                for entry in page.get("CommonPrefixes", []):
                    out.append(entry["Prefix"][len(base) :].rstrip("/"))
        return sorted(out)

    def list_keys(self, prefix: str) -> list[str]:
        base = prefix.rstrip("/") + "/" if prefix else ""
        out: list[str] = []
        with self._errors("ListObjectsV2", base):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
                out.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(out)

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            with self._errors("DeleteObjects"):
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            errors = answer.get("Errors") or []
            if errors:
                first = errors[0]
                raise convert_aws_error(
                    bx.ClientError(
                        {"Error": {"Code": first.get("Code"), "Message": first.get("Message")}}, "DeleteObjects"
                    ),
                    target=self.target,
                    operation=f"DeleteObjects s3://{self.bucket}/{first.get('Key')}",
                )


class MirroredStore:
    """A store whose every write and delete is also made in a local copy; reads come from the primary.

    The emulator keeps its bucket in memory: the local copy (`.strands/emulator-history/`) is what survives
    `strands emulator stop`, and what the next emulator's bucket is filled from. The copy is written first,
    so a record the primary accepted is always on disk too.
    """

    kind = "s3"  # the primary: a bucket

    def __init__(self, primary: S3Store, mirror: LocalStore) -> None:
        self.primary = primary
        self.mirror = mirror

    @property
    def location(self) -> str:
        return self.primary.location

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        self.mirror.put_file(key, path, content_type=content_type)
        self.primary.put_file(key, path, content_type=content_type)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self.mirror.put_bytes(key, data, content_type=content_type)
        self.primary.put_bytes(key, data, content_type=content_type)

    def get_bytes(self, key: str) -> bytes:
        return self.primary.get_bytes(key)

    def download(self, key: str, path: Path) -> None:
        self.primary.download(key, path)

    def exists(self, key: str) -> bool:
        return self.primary.exists(key)

    def list_children(self, prefix: str) -> list[str]:
        return self.primary.list_children(prefix)

    def list_keys(self, prefix: str) -> list[str]:
        return self.primary.list_keys(prefix)

    def delete_keys(self, keys: list[str]) -> None:
        self.primary.delete_keys(keys)
        self.mirror.delete_keys(keys)
