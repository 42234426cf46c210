"""The one bounded reader of user input: regular files only (symlinks resolved, then checked), limit + 1 bytes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from strands_tf.errors import ExitCode
from strands_tf.inputfile import InputFileError, human_size, open_input, read_input


def _refused(path: Path | str, limit: int = 1024) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        read_input(path, limit)
    assert caught.value.exit_code == ExitCode.USER
    return caught.value


def test_regular_file_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1024)
    assert read_input(path, 1024) == b"x" * 1024
    assert read_input(path, 5000) == b"x" * 1024
    (tmp_path / "empty").write_bytes(b"")
    assert read_input(tmp_path / "empty", 10) == b""


def test_one_byte_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1025)
    error = _refused(path)
    assert error.reason == "too_large"
    assert error.size == 1025 and error.limit == 1024
    assert error.summary == f"{path}: the file is 1.0 KiB; the limit for this kind of file is 1 KiB"


def test_a_file_that_grows_after_the_check_is_cut_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    with open_input(path, 100) as reader:
        with path.open("ab") as grow:
            grow.write(b"y" * 500)
        with pytest.raises(InputFileError) as caught:
            reader.read()
    assert caught.value.reason == "too_large"
    assert caught.value.size is None
    assert "larger than 100 bytes" in caught.value.summary


def test_streaming_reads_and_seek_share_one_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    with open_input(path, 10) as reader:
        assert reader.read(4) == b"0123"
        assert reader.read() == b"456789"
        reader.seek(2)
        assert reader.read() == b"23456789"
        assert reader.read() == b""


def test_missing_and_directory(tmp_path: Path) -> None:
    assert _refused(tmp_path / "nope").reason == "missing"
    assert _refused(tmp_path).reason == "directory"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    error = _refused(fifo)
    assert error.reason == "fifo"
    assert error.problem == "is a FIFO (named pipe), not a regular file"


def test_devices_directly_and_behind_symlinks(tmp_path: Path) -> None:
    assert _refused("/dev/zero").problem == "is a character device, not a regular file"
    link = tmp_path / "strands.yaml"
    link.symlink_to("/dev/zero")
    error = _refused(link)
    assert error.reason == "device"
    assert error.problem == "is a character device (/dev/zero), not a regular file"
    chain = tmp_path / "chain"
    chain.symlink_to(link)
    assert _refused(chain).problem == "is a character device (/dev/zero), not a regular file"


def test_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert _refused(path).reason == "socket"


def test_symlink_loop_and_unreadable(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert _refused(loop).reason == "unreadable"
    if os.geteuid() != 0:
        secret = tmp_path / "secret"
        secret.write_text("x")
        secret.chmod(0)
        error = _refused(secret)
        assert error.reason == "unreadable"
        assert "Permission denied" in error.problem


def test_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text("version: 1\n")
    link = tmp_path / "strands.yaml"
    link.symlink_to(target)
    assert read_input(link, 100) == b"version: 1\n"


def test_sparse_giant_is_refused_by_size_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "giant"
    with path.open("wb") as fh:
        fh.truncate(8 * 1024**3)
    error = _refused(path, 1024 * 1024)
    assert error.size == 8 * 1024**3
    assert "8192 MiB" in error.problem


@pytest.mark.parametrize(
    ("size", "text"), [(17, "17 bytes"), (2048, "2 KiB"), (1536, "1.5 KiB"), (2 * 1024**2, "2 MiB")]
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_local_history_store_refuses_planted_special_files(tmp_path: Path) -> None:
    """A record object replaced by a FIFO or a /dev/zero symlink: an error naming it, not a hang or a full disk."""
    from strands_tf.errors import StateError
    from strands_tf.history.store import LocalStore

    store = LocalStore(tmp_path / "history")
    store.put_bytes("p/dev/deployments/1/metadata.json", b"{}")
    assert store.get_bytes("p/dev/deployments/1/metadata.json") == b"{}"
    os.mkfifo(tmp_path / "history" / "p" / "dev" / "deployments" / "1" / "stacks.tar.gz")
    (tmp_path / "history" / "p" / "dev" / "deployments" / "1" / "logs.jsonl").symlink_to("/dev/zero")
    with pytest.raises(StateError, match=r"stacks\.tar\.gz .*FIFO"):
        store.get_bytes("p/dev/deployments/1/stacks.tar.gz")
    with pytest.raises(StateError, match=r"logs.jsonl .*character device \(/dev/zero\)"):
        store.download("p/dev/deployments/1/logs.jsonl", tmp_path / "out" / "logs.jsonl")
    assert not (tmp_path / "out" / "logs.jsonl").exists()
    assert list((tmp_path / "out").iterdir()) == []
    store.download("p/dev/deployments/1/metadata.json", tmp_path / "out" / "metadata.json")
    assert (tmp_path / "out" / "metadata.json").read_bytes() == b"{}"


def test_requirements_files_are_user_input_too(tmp_path: Path) -> None:
    """`-r /dev/zero` in an agent's requirements.txt, or requirements.txt as a FIFO: a packaging error, at once."""
    from strands_tf.packaging.requirements import read_requirements
    from strands_tf.packaging.spec import PackagingError, Target

    target = Target("3.12", "aarch64", 28)
    included = tmp_path / "requirements.txt"
    included.write_text("-r /dev/zero\n")
    with pytest.raises(PackagingError, match=r"names /dev/zero, which is outside the project"):
        read_requirements("support", included, target)
    (tmp_path / "zero.txt").symlink_to("/dev/zero")  # inside the project by name, a device by nature
    included.write_text("-r zero.txt\n")
    with pytest.raises(PackagingError, match=r"(character device|outside the project)"):
        read_requirements("support", included, target)
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    with pytest.raises(PackagingError, match="is a FIFO"):
        read_requirements("support", fifo, target)
    with pytest.raises(PackagingError, match="does not exist"):
        read_requirements("support", tmp_path / "missing.txt", target)
