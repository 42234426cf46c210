"""Layers built by the real pip: offline against wheels made here, and once against PyPI.

The PyPI test runs by default; set STRANDS_TF_TEST_NETWORK=0 to skip it on a machine without internet.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import socket
import zipfile
from pathlib import Path

import pytest

from strands_tf.errors import Category, StrandsError
from strands_tf.packaging import SubprocessPipRunner, build_agent_artifacts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NETWORK = os.environ.get("STRANDS_TF_TEST_NETWORK", "1") != "0"


def make_wheel(folder: Path, name: str, version: str, tag: str, files: dict[str, str]) -> Path:
    """A minimal valid wheel with a console script, as a build backend would write it."""
    dist = f"{name}-{version}.dist-info"
    contents = {
        **files,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\n{name}-cli = {name}:main\n",
    }
    rows = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        rows.append([path, f"sha256={digest}", str(len(text.encode()))])
    rows.append([f"{dist}/RECORD", "", ""])
    record = io.StringIO()
    csv.writer(record, lineterminator="\n").writerows(rows)
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in contents.items():
            zf.writestr(path, text)
        zf.writestr(f"{dist}/RECORD", record.getvalue())
    return wheel


@pytest.fixture
def offline_agent(h, tmp_path: Path) -> Path:
    agent = tmp_path / "agent"
    h.write(agent / "app.py", "import tinypkg\n")
    make_wheel(
        agent / "wheels",
        "tinypkg",
        "1.0.0",
        "py3-none-any",
        {"tinypkg/__init__.py": "def main():\n    return 42\n", "tinypkg/data.txt": "data\n"},
    )
    h.write(agent / "requirements.txt", "--no-index\n--find-links wheels\ntinypkg==1.0.0\n")
    return agent


def build(h, agent: Path, tmp_path: Path, cache: str = "cache", out: str = "out", **kw):
    spec = h.spec_for(agent, requirements=agent / "requirements.txt", exclude=("wheels/",), **kw)
    return build_agent_artifacts(spec, tmp_path / out, tmp_path / cache, pip=SubprocessPipRunner())


def test_real_pip_builds_a_lambda_layer_from_a_local_wheel(h, offline_agent: Path, tmp_path: Path) -> None:
    art = build(h, offline_agent, tmp_path)
    assert art.layer is not None
    with zipfile.ZipFile(art.layer.path) as zf:
        got = zf.namelist()
        record = zf.read("python/tinypkg-1.0.0.dist-info/RECORD").decode()
    assert "python/tinypkg/__init__.py" in got and "python/tinypkg/data.txt" in got
    assert "python/tinypkg-1.0.0.dist-info/METADATA" in got
    assert not [n for n in got if n.startswith("python/bin") or "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in got if n.endswith("direct_url.json")]
    assert "bin/" not in record and "direct_url" not in record
    assert record.splitlines() == sorted(record.splitlines())
    assert "wheels" not in "".join(zipfile.ZipFile(art.code.path).namelist())


def test_real_pip_layers_are_byte_identical_across_fresh_caches(h, offline_agent: Path, tmp_path: Path) -> None:
    one = build(h, offline_agent, tmp_path, cache="cache1", out="out1")
    two = build(h, offline_agent, tmp_path, cache="cache2", out="out2")
    assert one.layer and two.layer
    assert one.layer.path.read_bytes() == two.layer.path.read_bytes()


def test_real_pip_unknown_package_gives_the_no_wheel_error(h, offline_agent: Path, tmp_path: Path) -> None:
    h.write(offline_agent / "requirements.txt", "--no-index\n--find-links wheels\nnotapkg==9.9\n")
    with pytest.raises(StrandsError) as err:
        build(h, offline_agent, tmp_path)
    assert err.value.category is Category.CONFIGURATION
    assert "notapkg==9.9" in err.value.summary
    assert "No matching distribution found for notapkg==9.9" in (err.value.detail or "")


def test_real_pip_refuses_a_wheel_built_for_another_platform(h, offline_agent: Path, tmp_path: Path) -> None:
    # the classic failure: a package that only ships macOS wheels (or only an sdist)
    make_wheel(offline_agent / "wheels", "macpkg", "1.0", "py3-none-macosx_11_0_arm64", {"macpkg/__init__.py": ""})
    h.write(offline_agent / "requirements.txt", "--no-index\n--find-links wheels\nmacpkg==1.0\n")
    with pytest.raises(StrandsError) as err:
        build(h, offline_agent, tmp_path)
    assert "macpkg==1.0" in err.value.summary and "manylinux2014_aarch64" in err.value.summary
    assert "no release ships a wheel for cp312 manylinux2014_aarch64" in (err.value.hint or "")


def test_real_pip_unreachable_index_is_a_network_error(
    h, offline_agent: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_RETRIES", "1")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    h.write(
        offline_agent / "requirements.txt",
        f"--index-url http://127.0.0.1:{free_port()}/simple\nstrands-tf-no-such-package\n",
    )
    with pytest.raises(StrandsError) as err:
        build(h, offline_agent, tmp_path)
    assert err.value.category is Category.NETWORK
    assert "could not reach the package index" in err.value.summary
    assert "Failed to establish a new connection" in (err.value.detail or "")


@pytest.mark.parametrize(("runtime", "accepted"), [("python3.12", True), ("python3.11", False)])
def test_newer_manylinux_wheels_only_for_amazon_linux_2023_runtimes(
    h, offline_agent: Path, tmp_path: Path, runtime: str, accepted: bool
) -> None:
    make_wheel(
        offline_agent / "wheels", "newglibc", "1.0", "py3-none-manylinux_2_28_aarch64", {"newglibc/__init__.py": ""}
    )
    h.write(offline_agent / "requirements.txt", "--no-index\n--find-links wheels\nnewglibc==1.0\n")
    if accepted:
        art = build(h, offline_agent, tmp_path, runtime=runtime)
        assert art.layer is not None
    else:
        with pytest.raises(StrandsError, match="no wheel for cp311"):
            build(h, offline_agent, tmp_path, runtime=runtime)


@pytest.mark.skipif(not NETWORK, reason="STRANDS_TF_TEST_NETWORK=0: no internet")
def test_real_pip_against_pypi(h, tmp_path: Path) -> None:
    agent = tmp_path / "agent"
    h.write(agent / "app.py", "import six\n")
    h.write(agent / "requirements.txt", "six==1.16.0\n")
    cache = tmp_path / "cache"
    spec = h.spec_for(agent, requirements=agent / "requirements.txt", architecture="x86_64")
    art = build_agent_artifacts(spec, tmp_path / "out", cache, pip=SubprocessPipRunner())
    assert art.layer is not None
    with zipfile.ZipFile(art.layer.path) as zf:
        assert "python/six.py" in zf.namelist()
        assert "python/six-1.16.0.dist-info/METADATA" in zf.namelist()
    # a second build is served from the cache: a pip that would fail proves it is not run
    again = build_agent_artifacts(spec, tmp_path / "out2", cache, pip=h.FakePip(returncode=1, stderr="no"))
    assert again.layer is not None and again.layer.sha256 == art.layer.sha256
