"""Helpers for packaging tests: sample agent trees and a fake pip that writes what a wheel install would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from strands_tf.packaging import PackageSpec, PipResult


def write(path: Path, content: str | bytes = "x") -> Path:
    """Create ``path`` (and its parents) with ``content``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def sample_agent(root: Path) -> Path:
    """A small agent directory with code, data, junk that must be excluded, and requirements."""
    write(root / "app.py", "from lib import helper\n\ndef handler(event, context):\n    return helper()\n")
    write(root / "lib/__init__.py", "def helper():\n    return 'ok'\n")
    write(root / "lib/data/prompt.txt", "You are a helpful agent.\n" * 50)
    write(root / "bin/run.sh", "#!/bin/sh\necho run\n").chmod(0o755)
    write(root / "requirements.txt", "strands-agents==1.0.0\n")
    write(root / "requirements-dev.txt", "pytest\n")
    write(root / "lib/__pycache__/x.cpython-312.pyc", b"\0")
    write(root / "stale.pyc", b"\0")
    write(root / ".venv/lib/site.py", "x")
    write(root / ".git/HEAD", "ref: refs/heads/main\n")
    write(root / ".pytest_cache/v", "x")
    write(root / "tests/test_app.py", "def test(): pass\n")
    write(root / ".strands/state/dev.json", "{}")
    write(root / "cdktf.out/manifest.json", "{}")
    write(root / "old.zip", b"PK")
    write(root / ".DS_Store", b"\0")
    write(root / ".env", "OPENAI_API_KEY=secret\n")
    return root


def spec_for(source: Path, *, name: str = "support", requirements: Path | None = None, **kw: object) -> PackageSpec:
    """A PackageSpec with test defaults."""
    return PackageSpec(
        name=name,
        source_dir=source,
        runtime=str(kw.pop("runtime", "python3.12")),
        architecture=str(kw.pop("architecture", "arm64")),
        requirements_file=requirements,
        exclude=tuple(kw.pop("exclude", ())),  # type: ignore[arg-type]
        extra_files=tuple(kw.pop("extra_files", ())),  # type: ignore[arg-type]
        project_root=kw.pop("project_root", None),  # type: ignore[arg-type]
    )


def target_of(args: Sequence[str]) -> Path:
    return Path(args[list(args).index("--target") + 1])


@dataclass
class FakePip:
    """Counts calls; lays out files under ``--target`` like a wheel install (dist-info, RECORD, scripts)."""

    packages: dict[str, dict[str, bytes | int]] = field(
        default_factory=lambda: {"requests": {"__init__.py": b"__version__ = '2.32.5'\n", "api.py": b"x" * 2000}}
    )
    returncode: int = 0
    stderr: str = ""
    delay: float = 0.0
    calls: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_call: Callable[[Path], None] | None = None

    def __call__(self, args: Sequence[str], *, cwd: Path) -> PipResult:
        with self.lock:
            self.calls.append(list(args))
        if self.delay:
            time.sleep(self.delay)
        if self.returncode:
            return PipResult(self.returncode, "", self.stderr)
        target = target_of(args)
        for pkg, files in self.packages.items():
            record = []
            for rel, content in files.items():
                path = target / pkg / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, int):
                    # sparse: a large unzipped size that costs no disk and no time to write
                    with path.open("wb") as fh:
                        fh.truncate(content)
                else:
                    path.write_bytes(content)
                record.append(f"{pkg}/{rel},sha256=abc,{path.stat().st_size}")
            dist = target / f"{pkg}-1.0.dist-info"
            dist.mkdir()
            (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {pkg}\nVersion: 1.0\n")
            (dist / "INSTALLER").write_text("pip\n")
            (dist / "direct_url.json").write_text('{"url": "file:///home/someone/wheels/x.whl"}')
            (target / "bin").mkdir(exist_ok=True)
            (target / "bin" / pkg).write_text("#!/home/someone/.venv/bin/python\n")
            (target / pkg / "__pycache__").mkdir(exist_ok=True)
            (target / pkg / "__pycache__" / "api.cpython-312.pyc").write_bytes(b"\0")
            # RECORD as pip writes it: unsorted, with rows for scripts outside the target and direct_url
            record += [f"../../bin/{pkg},sha256=def,30", f"{pkg}-1.0.dist-info/direct_url.json,,"]
            record += [f"{pkg}-1.0.dist-info/RECORD,,", f"{pkg}-1.0.dist-info/METADATA,sha256=m,40"]
            (dist / "RECORD").write_text("\n".join(reversed(record)) + "\n")
        if self.on_call:
            self.on_call(target)
        return PipResult(0, "Successfully installed", "")


@pytest.fixture
def fake_pip() -> FakePip:
    return FakePip()


@pytest.fixture
def agent_dir(tmp_path: Path) -> Path:
    return sample_agent(tmp_path / "agent")


class Helpers:
    """Test helpers as a fixture (test modules cannot import conftest under --import-mode=importlib)."""

    write = staticmethod(write)
    sample_agent = staticmethod(sample_agent)
    spec_for = staticmethod(spec_for)
    target_of = staticmethod(target_of)
    FakePip = FakePip


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers
