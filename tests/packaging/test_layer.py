"""The dependencies layer: pip arguments, Lambda layout, normalization, cache, errors, concurrency."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

from strands_tf.errors import Category, StrandsError
from strands_tf.packaging import PackagingError, PipResult, build_agent_artifacts, prune_layer_cache


def build(h, source: Path, tmp_path: Path, pip, *, out: str = "out", cache: str = "cache", **kw):
    req = kw.pop("requirements", source / "requirements.txt")
    return build_agent_artifacts(h.spec_for(source, requirements=req, **kw), tmp_path / out, tmp_path / cache, pip=pip)


def test_pip_is_asked_for_lambda_platform_wheels(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    build(h, agent_dir, tmp_path, fake_pip, runtime="python3.12", architecture="arm64")
    (args,) = fake_pip.calls
    assert args[0] == "install"
    assert "--only-binary=:all:" in args and "--no-compile" in args
    assert args[args.index("--python-version") + 1] == "3.12"
    assert args[args.index("--implementation") + 1] == "cp"
    platforms = [args[i + 1] for i, a in enumerate(args) if a == "--platform"]
    assert "manylinux2014_aarch64" in platforms
    # Python 3.12 runs on Amazon Linux 2023 (glibc 2.34): newer manylinux wheels load there too
    assert platforms[0] == "manylinux_2_34_aarch64"
    assert all(p.endswith("_aarch64") for p in platforms)
    assert h.target_of(args).name == "python" and h.target_of(args).is_absolute()
    assert Path(args[args.index("-r") + 1]) == (agent_dir / "requirements.txt").absolute()


def test_older_runtime_on_x86_stays_within_amazon_linux_2(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    build(h, agent_dir, tmp_path, fake_pip, runtime="python3.11", architecture="x86_64")
    args = fake_pip.calls[0]
    platforms = [args[i + 1] for i, a in enumerate(args) if a == "--platform"]
    assert platforms[0] == "manylinux_2_26_x86_64" and platforms[-1] == "manylinux2014_x86_64"
    assert args[args.index("--python-version") + 1] == "3.11"


def test_layer_zip_uses_python_prefix_and_is_normalized(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    art = build(h, agent_dir, tmp_path, fake_pip)
    assert art.layer is not None
    assert art.layer.path == tmp_path / "out" / "support-layer.zip"
    with zipfile.ZipFile(art.layer.path) as zf:
        got = zf.namelist()
        record = zf.read("python/requests-1.0.dist-info/RECORD").decode()
    assert got == [
        "python/",
        "python/requests-1.0.dist-info/",
        "python/requests-1.0.dist-info/INSTALLER",
        "python/requests-1.0.dist-info/METADATA",
        "python/requests-1.0.dist-info/RECORD",
        "python/requests/",
        "python/requests/__init__.py",
        "python/requests/api.py",
    ]
    # rows for removed files (scripts outside the layer, direct_url.json) are gone; the rest sorted
    assert record.splitlines() == [
        "requests-1.0.dist-info/METADATA,sha256=m,40",
        "requests-1.0.dist-info/RECORD,,",
        "requests/__init__.py,sha256=abc,23",
        "requests/api.py,sha256=abc,2000",
    ]
    data = art.layer.path.read_bytes()
    assert art.layer.source_code_hash == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert art.layer.sha256 == hashlib.sha256(data).hexdigest()


def test_second_build_hits_the_cache_without_running_pip(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    first = build(h, agent_dir, tmp_path, fake_pip, out="a")
    second = build(h, agent_dir, tmp_path, fake_pip, out="b")
    assert len(fake_pip.calls) == 1
    assert first.layer and second.layer
    assert first.layer.path.read_bytes() == second.layer.path.read_bytes()
    assert first.layer == second.layer.__class__(**{**second.layer.__dict__, "path": first.layer.path})


def test_cache_key_ignores_line_endings_and_location(h, tmp_path: Path, fake_pip) -> None:
    one = h.sample_agent(tmp_path / "one")
    two = h.sample_agent(tmp_path / "two")
    (two / "requirements.txt").write_bytes((one / "requirements.txt").read_bytes().replace(b"\n", b"\r\n"))
    build(h, one, tmp_path, fake_pip, out="a")
    build(h, two, tmp_path, fake_pip, out="b", name="other")
    assert len(fake_pip.calls) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"architecture": "x86_64"},
        {"runtime": "python3.13"},
        {"requirements_text": "strands-agents==1.1.0\n"},
    ],
)
def test_cache_key_changes_with_arch_runtime_and_content(h, agent_dir, tmp_path, fake_pip, change) -> None:
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    change = dict(change)
    if "requirements_text" in change:
        (agent_dir / "requirements.txt").write_text(change.pop("requirements_text"))
    build(h, agent_dir, tmp_path, fake_pip, out="b", **change)
    assert len(fake_pip.calls) == 2


def test_included_requirements_are_part_of_the_key(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    h.write(agent_dir / "requirements.txt", "-r base.txt\n")
    h.write(agent_dir / "base.txt", "boto3==1.35.0\n")
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    build(h, agent_dir, tmp_path, fake_pip, out="b")
    h.write(agent_dir / "base.txt", "boto3==1.36.0\n")
    build(h, agent_dir, tmp_path, fake_pip, out="c")
    assert len(fake_pip.calls) == 2


def test_missing_included_file_is_a_clear_error(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    h.write(agent_dir / "requirements.txt", "-r ../shared/base.txt\n")
    with pytest.raises(PackagingError, match=r"includes \.\./shared/base\.txt, which does not exist"):
        build(h, agent_dir, tmp_path, fake_pip)
    assert fake_pip.calls == []


@pytest.mark.parametrize(
    "content", ["", "\n\n", "# only comments\n   # here\n", "--index-url https://x.example/simple\n"]
)
def test_empty_requirements_mean_no_layer_and_no_pip(h, agent_dir, tmp_path, fake_pip, content) -> None:
    h.write(agent_dir / "requirements.txt", content)
    art = build(h, agent_dir, tmp_path, fake_pip)
    assert art.layer is None and fake_pip.calls == []


def test_no_requirements_file_means_no_layer(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    art = build(h, agent_dir, tmp_path, fake_pip, requirements=None)
    assert art.layer is None and fake_pip.calls == []


def test_stale_layer_is_removed_when_requirements_go_away(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    build(h, agent_dir, tmp_path, fake_pip)
    assert (tmp_path / "out/support-layer.zip").exists()
    build(h, agent_dir, tmp_path, fake_pip, requirements=None)
    assert not (tmp_path / "out/support-layer.zip").exists()


def test_named_but_missing_requirements_file(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    missing = agent_dir / "requirements-prod.txt"
    with pytest.raises(PackagingError) as err:
        build(h, agent_dir, tmp_path, fake_pip, requirements=missing)
    assert err.value.category is Category.CONFIGURATION
    assert str(missing) in err.value.summary and "'support'" in err.value.summary
    assert err.value.hint
    assert fake_pip.calls == [] and not (tmp_path / "out").exists()


NO_WHEEL_STDERR = """\
ERROR: Could not find a version that satisfies the requirement pyodbc==5.1.0 (from versions: 5.2.0, 5.3.0)
ERROR: No matching distribution found for pyodbc==5.1.0
"""


def test_pip_without_a_matching_wheel(h, agent_dir: Path, tmp_path: Path) -> None:
    pip = h.FakePip(returncode=1, stderr="Collecting pyodbc==5.1.0\n" + NO_WHEEL_STDERR)
    with pytest.raises(StrandsError) as err:
        build(h, agent_dir, tmp_path, pip)
    e = err.value
    assert e.category is Category.CONFIGURATION
    assert "pyodbc==5.1.0" in e.summary and "cp312 manylinux2014_aarch64" in e.summary
    assert "No matching distribution found for pyodbc==5.1.0" in (e.detail or "")
    assert "Collecting" not in (e.detail or "")
    assert "pin a version of pyodbc that" in (e.hint or "") and "remove it" in (e.hint or "")
    assert e.data["packages"] == ["pyodbc==5.1.0"]
    assert not (tmp_path / "out").exists()
    assert [p.name for p in (tmp_path / "cache/layers").iterdir() if not p.name.endswith(".lock")] == []


def test_pip_finding_no_version_at_all_suggests_name_index_or_platform(h, agent_dir: Path, tmp_path: Path) -> None:
    stderr = (
        "ERROR: Could not find a version that satisfies the requirement reqeusts (from versions: none)\n"
        "ERROR: No matching distribution found for reqeusts\n"
    )
    with pytest.raises(StrandsError) as err:
        build(h, agent_dir, tmp_path, h.FakePip(returncode=1, stderr=stderr))
    hint = err.value.hint or ""
    assert "check the spelling and the package index" in hint and "reqeusts" in hint
    assert err.value.category is Category.CONFIGURATION


def test_pip_network_failure_is_a_network_error(h, agent_dir: Path, tmp_path: Path) -> None:
    stderr = (
        "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError("
        "'<urllib3.connection.HTTPSConnection>: Failed to establish a new connection: "
        "[Errno -3] Temporary failure in name resolution')': /simple/requests/\n"
        "ERROR: Could not find a version that satisfies the requirement requests (from versions: none)\n"
        "ERROR: No matching distribution found for requests\n"
    )
    with pytest.raises(StrandsError) as err:
        build(h, agent_dir, tmp_path, h.FakePip(returncode=1, stderr=stderr))
    # pip words an unreachable index as "no matching distribution": the network cause must win
    assert err.value.category is Category.NETWORK
    detail = (err.value.detail or "").splitlines()
    assert "Temporary failure in name resolution" in detail[0]
    assert detail[-1] == "ERROR: No matching distribution found for requests"


def test_other_pip_failure_shows_pip_error_lines(h, agent_dir: Path, tmp_path: Path) -> None:
    stderr = "ERROR: Cannot install a==1 and b==2 because these package versions have conflicting dependencies.\n"
    with pytest.raises(StrandsError) as err:
        build(h, agent_dir, tmp_path, h.FakePip(returncode=1, stderr=stderr))
    assert err.value.category is Category.DEPENDENCY
    assert "conflicting dependencies" in (err.value.detail or "")


def test_corrupted_cache_entry_is_rebuilt(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    (cached,) = (tmp_path / "cache/layers").glob("*.zip")
    cached.write_bytes(b"garbage")
    art = build(h, agent_dir, tmp_path, fake_pip, out="b")
    assert len(fake_pip.calls) == 2
    assert art.layer is not None
    with zipfile.ZipFile(art.layer.path) as zf:
        assert zf.testzip() is None


def test_torn_cache_entry_without_metadata_is_rebuilt(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    (meta,) = (tmp_path / "cache/layers").glob("*.json")
    meta.unlink()
    build(h, agent_dir, tmp_path, fake_pip, out="b")
    assert len(fake_pip.calls) == 2
    assert json.loads(meta.read_text())["sha256"]


def test_concurrent_threads_build_the_cache_entry_once(h, tmp_path: Path) -> None:
    pip = h.FakePip(delay=0.3)
    agents = [h.sample_agent(tmp_path / f"agent{i}") for i in range(4)]
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = build(h, agents[i], tmp_path, pip, name=f"agent{i}")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(pip.calls) == 1
    hashes = {r.layer.sha256 for r in results.values()}  # type: ignore[attr-defined]
    assert len(hashes) == 1


CHILD = """
import sys, time
from pathlib import Path
from strands_tf.packaging import PackageSpec, PipResult, build_agent_artifacts

root, name = Path(sys.argv[1]), sys.argv[2]

def pip(args, *, cwd):
    with open(root / "calls.log", "a") as fh:
        fh.write(name + "\\n")
    time.sleep(0.5)
    target = Path(args[args.index("--target") + 1])
    (target / "tinypkg").mkdir(parents=True)
    (target / "tinypkg" / "__init__.py").write_text("VALUE = 1\\n")
    return PipResult(0, "", "")

spec = PackageSpec(name, root / "agent", "python3.12", "x86_64", root / "agent" / "requirements.txt")
art = build_agent_artifacts(spec, root / ("out-" + name), root / "cache", pip=pip)
print(art.layer.sha256)
"""


def test_concurrent_processes_build_the_cache_entry_once(h, tmp_path: Path) -> None:
    h.sample_agent(tmp_path / "agent")
    script = h.write(tmp_path / "child.py", textwrap.dedent(CHILD))
    procs = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path), f"p{i}"], stdout=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert len(set(outputs)) == 1 and len(outputs[0]) == 64
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 1


def test_pip_runner_result_type_is_public() -> None:
    assert PipResult(0, "", "").returncode == 0


def test_interrupted_pip_leaves_no_cache_entry_and_next_build_runs_pip(h, agent_dir: Path, tmp_path: Path) -> None:
    def interrupted(args, *, cwd):
        h.target_of(args).joinpath("half.py").write_text("partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(h, agent_dir, tmp_path, interrupted)
    leftovers = [p.name for p in (tmp_path / "cache/layers").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []
    assert not (tmp_path / "out").exists()
    pip = h.FakePip()
    assert build(h, agent_dir, tmp_path, pip).layer is not None
    assert len(pip.calls) == 1


def test_work_dirs_of_a_killed_build_are_cleaned_up(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    layers = tmp_path / "cache/layers"
    (key_zip,) = layers.glob("*.zip")
    key_zip.unlink()  # force a rebuild of this entry
    orphan = layers / f".{key_zip.stem[:16]}-killed"
    h.write(orphan / "python/half.py", "x")
    build(h, agent_dir, tmp_path, fake_pip, out="b")
    assert not orphan.exists()


def test_stale_temp_files_in_out_dir_are_removed_fresh_ones_kept(h, agent_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = h.write(out / ".support-code.zip.0123456789abcdef.tmp", "killed mid-write")
    fresh = h.write(out / ".support-code.zip.fedcba9876543210.tmp", "another build writing now")
    other = h.write(out / ".billing-code.zip.0123456789abcdef.tmp", "another agent")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    build(h, agent_dir, tmp_path, None, requirements=None)
    assert not stale.exists() and fresh.exists() and other.exists()


def test_local_wheels_are_part_of_the_key(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    h.write(agent_dir / "requirements.txt", "--find-links=wheels\ntinypkg==1.0\n./vendor/extra-1.0-py3-none-any.whl\n")
    h.write(agent_dir / "wheels/tinypkg-1.0-py3-none-any.whl", b"one")
    h.write(agent_dir / "vendor/extra-1.0-py3-none-any.whl", b"one")
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    build(h, agent_dir, tmp_path, fake_pip, out="b")
    assert len(fake_pip.calls) == 1
    h.write(agent_dir / "wheels/tinypkg-1.0-py3-none-any.whl", b"rebuilt")
    build(h, agent_dir, tmp_path, fake_pip, out="c")
    h.write(agent_dir / "vendor/extra-1.0-py3-none-any.whl", b"rebuilt")
    build(h, agent_dir, tmp_path, fake_pip, out="d")
    assert len(fake_pip.calls) == 3


def test_requirements_path_that_is_a_directory(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    with pytest.raises(PackagingError, match="is a directory, not a file"):
        build(h, agent_dir, tmp_path, fake_pip, requirements=agent_dir / "lib")


def test_prune_removes_unused_entries_keeps_recent_and_locked(h, tmp_path: Path, fake_pip) -> None:
    agents = [h.sample_agent(tmp_path / f"a{i}") for i in range(3)]
    for i, agent in enumerate(agents):
        h.write(agent / "requirements.txt", f"pkg{i}==1.0\n")
        build(h, agent, tmp_path, fake_pip, out=f"o{i}")
    layers = tmp_path / "cache/layers"
    metas = sorted(layers.glob("*.json"), key=lambda p: p.stat().st_mtime)
    old = time.time() - 40 * 86400
    for meta in metas:
        os.utime(meta, (old, old))
        os.utime(meta.with_suffix(".zip"), (old, old))
    # using an entry marks it as recently used
    build(h, agents[0], tmp_path, fake_pip, out="again")
    assert len(fake_pip.calls) == 3
    used = next(m for m in layers.glob("*.json") if m.stat().st_mtime > old + 1)
    others = [m for m in metas if m != used]
    with FileLock(str(layers / f"{others[0].stem}.lock")):
        removed = prune_layer_cache(tmp_path / "cache", unused_for=30 * 86400)
    assert sorted(removed) == sorted([others[1], others[1].with_suffix(".zip")])
    assert used.exists() and others[0].exists()
    assert prune_layer_cache(tmp_path / "nothing-here", unused_for=0) == []


def test_layer_pruned_between_lookup_and_copy_is_a_clear_conflict(
    h, agent_dir: Path, tmp_path: Path, fake_pip, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(h, agent_dir, tmp_path, fake_pip, out="a")
    real_link = os.link

    def pruned_meanwhile(src, dest):
        prune_layer_cache(tmp_path / "cache", unused_for=-60)
        return real_link(src, dest)

    monkeypatch.setattr("strands_tf.packaging.build.os.link", pruned_meanwhile)
    with pytest.raises(StrandsError) as err:
        build(h, agent_dir, tmp_path, fake_pip, out="b")
    assert err.value.category is Category.CONFLICT and "run again" in (err.value.hint or "")
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []


@pytest.mark.parametrize(
    "line",
    [
        "-r {outside}/base.txt",
        "--requirement={outside}/base.txt",
        "-c {outside}/base.txt",
        "-r /proc/self/environ",
        "{outside}/pkg",
        "file://{outside}/pkg",
        "pkg @ file://{outside}/pkg",
        "-f {outside}",
        "{outside}/pkg-1.0-py3-none-any.whl",
    ],
)
def test_requirements_cannot_reach_outside_the_project(h, tmp_path: Path, fake_pip, line: str) -> None:
    """A requirements file is input like strands.yaml: it names files of the project only.

    Regression: `-r /proc/self/environ` made pip quote the CI's environment (its credentials) in the error
    strands printed; `-r`/local paths outside the project packaged or leaked files from elsewhere.
    """
    project, outside = tmp_path / "project", tmp_path / "elsewhere"
    h.write(outside / "base.txt", "boto3==1.35.0\n")
    h.write(outside / "pkg/pyproject.toml", "[project]\nname = 'pkg'\n")
    h.write(outside / "pkg-1.0-py3-none-any.whl", b"PK")
    agent = h.sample_agent(project / "agents" / "support")
    h.write(agent / "requirements.txt", line.format(outside=outside) + "\n")
    with pytest.raises(PackagingError, match="outside the project") as err:
        build_agent_artifacts(h.spec_for(agent, requirements=agent / "requirements.txt", project_root=project),
                              tmp_path / "out", tmp_path / "cache", pip=fake_pip)  # fmt: skip
    assert err.value.category is Category.CONFIGURATION and "requirements.txt" in err.value.summary
    assert fake_pip.calls == []


def test_requirements_may_include_files_of_the_project(h, tmp_path: Path, fake_pip) -> None:
    project = tmp_path / "project"
    h.write(project / "requirements-common.txt", "boto3==1.35.0\n")
    agent = h.sample_agent(project / "agents" / "support")
    h.write(agent / "requirements.txt", "-r ../../requirements-common.txt\n")
    art = build_agent_artifacts(h.spec_for(agent, requirements=agent / "requirements.txt", project_root=project),
                                tmp_path / "out", tmp_path / "cache", pip=fake_pip)  # fmt: skip
    assert art.layer is not None and len(fake_pip.calls) == 1


def test_editable_requirements_are_refused(h, tmp_path: Path, fake_pip) -> None:
    """`-e` installs a link to a source tree, which a Lambda layer cannot carry."""
    project = tmp_path / "project"
    agent = h.sample_agent(project / "agents" / "support")
    h.write(agent / "lib/pyproject.toml", "[project]\nname = 'lib'\n")
    h.write(agent / "requirements.txt", "-e ./lib\n")
    with pytest.raises(PackagingError, match="editable"):
        build_agent_artifacts(h.spec_for(agent, requirements=agent / "requirements.txt", project_root=project),
                              tmp_path / "out", tmp_path / "cache", pip=fake_pip)  # fmt: skip
    assert fake_pip.calls == []
