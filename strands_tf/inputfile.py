"""Read files a user points strands at without trusting them: regular files only, never more than a limit.

A `strands.yaml`, an agent fragment, a plan JSON or a history copy could be `/dev/zero`, a FIFO, a
terminal or a symlink to one of those: a plain ``read_bytes()`` would allocate gigabytes or block forever.
Every read of user input goes through :func:`read_input` (whole file) or :func:`open_input` (a bounded
handle for readers that stream): symlinks are resolved first and the target's type checked *before* it is
opened (opening a tape or a FIFO can have effects of its own), the open uses ``O_NOFOLLOW`` and
``O_NONBLOCK`` so a file swapped in between can neither redirect nor block it, ``fstat`` confirms it is the
same regular file, and no read goes past ``limit + 1`` bytes.
"""

from __future__ import annotations

import json
import os
import stat
from types import TracebackType
from typing import Any, Self

from strands_tf.errors import Category, StrandsError

MiB = 1024 * 1024

# What each kind of input may weigh. Configuration is written by hand; plans and states are generated
# (a 10,000-resource plan is about 25 MiB, so these leave room for 20 times that).
MAX_CONFIG_BYTES = 2 * MiB
MAX_PLAN_BYTES = 512 * MiB
MAX_STATE_BYTES = 512 * MiB
MAX_HISTORY_OBJECT_BYTES = 512 * MiB
# `strands dev invoke --event/--sqs`: Lambda's limit for a synchronous invocation's payload
MAX_EVENT_BYTES = 6 * MiB

_KINDS = (
    (stat.S_ISDIR, "directory", "a directory"),
    (stat.S_ISFIFO, "fifo", "a FIFO (named pipe)"),
    (stat.S_ISCHR, "device", "a character device"),
    (stat.S_ISBLK, "device", "a block device"),
    (stat.S_ISSOCK, "socket", "a socket"),
)


def human_size(size: int) -> str:
    """`2 MiB`, `10.0 MiB`, `512 KiB`, `17 bytes`."""
    if size >= MiB:
        return f"{size // MiB} MiB" if size % MiB == 0 else f"{size / MiB:.1f} MiB"
    if size >= 1024:
        return f"{size // 1024} KiB" if size % 1024 == 0 else f"{size / 1024:.1f} KiB"
    return f"{size} bytes"


class InputFileError(StrandsError):
    """An input file that cannot be read: missing, not a regular file, too large, unreadable.

    ``reason`` is one of ``missing``, ``directory``, ``fifo``, ``device``, ``socket``, ``not_regular``,
    ``too_large``, ``unreadable``; ``problem`` is the message without the path, for callers that place the
    path themselves (the configuration loader's ``file:line`` issues).
    """

    category = Category.CONFIGURATION

    def __init__(
        self,
        path: str,
        reason: str,
        problem: str,
        *,
        hint: str | None = None,
        size: int | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(
            f"{path}: {problem}", hint=hint, data={"file": path, "reason": reason, "size": size, "limit": limit}
        )
        self.path = path
        self.reason = reason
        self.problem = problem
        self.size = size
        self.limit = limit


def _too_large(path: str, limit: int, size: int | None) -> InputFileError:
    amount = f"is {human_size(size)}" if size is not None else f"is larger than {human_size(limit)}"
    return InputFileError(
        path,
        "too_large",
        f"the file {amount}; the limit for this kind of file is {human_size(limit)}",
        hint="is this the right file?",
        size=size,
        limit=limit,
    )


def _check_type(path: str, shown: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    reason, noun = next(((r, n) for test, r, n in _KINDS if test(mode)), ("not_regular", "an unusual file"))
    target = f" ({shown})" if shown != path else ""
    hint = None if reason == "directory" else "strands reads only regular files here; point it at a real file"
    raise InputFileError(path, reason, f"is {noun}{target}, not a regular file", hint=hint)


class BoundedReader:
    """A read-only handle on a checked regular file whose reads never return more than ``limit`` bytes in all.

    Reading past the limit raises :class:`InputFileError` (``too_large``). ``seek`` lets streaming readers
    go back; the limit counts from the start of the file, not per read.
    """

    def __init__(self, fd: int, path: str, limit: int, size: int) -> None:
        self._file = os.fdopen(fd, "rb", buffering=0)
        self.path = path
        self.limit = limit
        self.size = size  # as fstat reported it when opened

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def seek(self, offset: int) -> int:
        """Move to an absolute offset."""
        return self._file.seek(offset)

    def tell(self) -> int:
        """Current offset."""
        return self._file.tell()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all the rest when negative), never beyond the limit."""
        position = self._file.tell()
        allowed = self.limit + 1 - position
        if allowed <= 0:
            raise _too_large(self.path, self.limit, None)
        if size >= 0:
            data = self._file.read(min(size, allowed))
        else:
            # one allocation of the size fstat announced (+1 to notice a file that grew since), then
            # bounded chunks only if it did grow
            first = self._file.read(min(max(self.size - position, 0) + 1, allowed))
            chunks = [first] if first else []
            total = len(first)
            while first and total < allowed:
                first = self._file.read(min(1 * MiB, allowed - total))
                if first:
                    chunks.append(first)
                    total += len(first)
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if position + len(data) > self.limit:
            raise _too_large(self.path, self.limit, None)
        return data or b""


def open_input(path: str | os.PathLike[str], limit: int) -> BoundedReader:
    """Open a user-supplied file for reading after checking it is a regular file of at most ``limit`` bytes.

    Raises :class:`InputFileError`; never blocks on a FIFO or a device and never follows a symlink that
    appears between the check and the open.
    """
    shown = os.fspath(path)
    try:
        real = os.path.realpath(shown, strict=True)
        before = os.stat(real)
    except FileNotFoundError:
        raise InputFileError(shown, "missing", "file not found") from None
    except OSError as exc:
        raise InputFileError(shown, "unreadable", f"cannot be read: {exc.strerror or exc}") from None
    _check_type(shown, real, before.st_mode)
    if before.st_size > limit:
        raise _too_large(shown, limit, before.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        raise InputFileError(shown, "missing", "file not found") from None
    except OSError as exc:
        raise InputFileError(shown, "unreadable", f"cannot be read: {exc.strerror or exc}") from None
    try:
        after = os.fstat(fd)
        if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise InputFileError(shown, "unreadable", "the file was replaced while it was being opened; run again")
        _check_type(shown, real, after.st_mode)
        if after.st_size > limit:
            raise _too_large(shown, limit, after.st_size)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: restore plain reads
        return BoundedReader(fd, shown, limit, after.st_size)
    except BaseException:
        os.close(fd)
        raise


def read_input(path: str | os.PathLike[str], limit: int) -> bytes:
    """The whole content of a user-supplied regular file of at most ``limit`` bytes (see :func:`open_input`)."""
    with open_input(path, limit) as reader:
        return reader.read()


class JSONNestingError(ValueError):
    """JSON nested more deeply than the decoder follows: malformed input like any other, not an internal error."""


def loads_json(data: str | bytes | bytearray) -> Any:
    """`json.loads` for data from outside strands (files a user or a bucket supplies, requests).

    Python's decoder recurses once per nesting level: `[[[[...` a few thousand deep raises RecursionError,
    which callers catching ValueError (as they do for any malformed JSON) let escape as an internal error. Here
    it is a :class:`JSONNestingError`, a ValueError.
    """
    try:
        return json.loads(data)
    except RecursionError:
        raise JSONNestingError("nested too deeply to be read (thousands of levels)") from None


class JSONInputError(InputFileError):
    """A user-supplied file that is not JSON (malformed, not UTF-8, nested too deeply), with where and why."""

    def __init__(
        self, path: str, problem: str, *, line: int | None = None, column: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(path, "invalid_json", problem, hint=hint)
        where = f"{path}:{line}:{column}" if line is not None and column is not None else path
        self.summary = f"{where}: {problem}"
        self.line = line
        self.column = column
        self.data.update({"line": line, "column": column})


def json_input_error(path: str | os.PathLike[str], exc: ValueError, *, hint: str | None = None) -> JSONInputError:
    """The error for `exc` raised while decoding the file `path` (decode error, nesting, not UTF-8)."""
    shown = os.fspath(path)
    if isinstance(exc, json.JSONDecodeError):
        return JSONInputError(shown, f"not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno, hint=hint)
    if isinstance(exc, JSONNestingError):
        return JSONInputError(shown, f"not valid JSON: {exc}", hint=hint)
    if isinstance(exc, UnicodeDecodeError):
        return JSONInputError(shown, f"not UTF-8 text: {exc.reason}", hint=hint)
    return JSONInputError(shown, f"not valid JSON: {exc}", hint=hint)


def read_json(path: str | os.PathLike[str], limit: int, *, hint: str | None = None) -> Any:
    """A user-supplied JSON file, decoded; every reason it cannot be is one :class:`InputFileError` naming it.

    Missing, not a regular file, too large (see :func:`read_input`), not UTF-8, malformed, nested too deeply
    (:class:`JSONInputError`, with line and column where the decoder knows them).
    """
    data = read_input(path, limit)
    try:
        return loads_json(data.decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError, JSONNestingError and UnicodeDecodeError alike
        raise json_input_error(path, exc, hint=hint) from None
