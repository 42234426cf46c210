"""The code zip: deterministic bytes, excludes, symlinks, names, and clear errors for bad input."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import stat
import unicodedata
import zipfile
from pathlib import Path

import pytest

from strands_tf.errors import Category, StrandsError
from strands_tf.packaging import PackagingError, build_agent_artifacts


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def build(h, source: Path, tmp_path: Path, out: str = "out", **kw):
    return build_agent_artifacts(h.spec_for(source, **kw), tmp_path / out, tmp_path / "cache")


def test_code_zip_has_code_and_requirements_but_no_junk(h, agent_dir: Path, tmp_path: Path) -> None:
    art = build(h, agent_dir, tmp_path)
    assert names(art.code.path) == [
        "app.py",
        "bin/",
        "bin/run.sh",
        "lib/",
        "lib/__init__.py",
        "lib/data/",
        "lib/data/prompt.txt",
        "requirements-dev.txt",
        "requirements.txt",
    ]
    assert art.layer is None
    assert art.code.path == tmp_path / "out" / "support-code.zip"


def test_entries_have_fixed_times_modes_and_unix_origin(h, agent_dir: Path, tmp_path: Path) -> None:
    (agent_dir / "app.py").chmod(0o600)  # private on disk, still 0644 in the zip
    art = build(h, agent_dir, tmp_path)
    with zipfile.ZipFile(art.code.path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for info in infos.values():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.create_system == 3
        assert not info.filename.startswith("/") and ".." not in info.filename.split("/")
        assert info.extra == b"" and info.comment == b""
    assert infos["app.py"].external_attr >> 16 == stat.S_IFREG | 0o644
    assert infos["bin/run.sh"].external_attr >> 16 == stat.S_IFREG | 0o755
    assert infos["lib/"].external_attr >> 16 == stat.S_IFDIR | 0o755
    assert infos["lib/"].external_attr & 0x10


def test_source_code_hash_is_base64_sha256_of_zip_bytes(h, agent_dir: Path, tmp_path: Path) -> None:
    art = build(h, agent_dir, tmp_path)
    data = art.code.path.read_bytes()
    assert art.code.sha256 == hashlib.sha256(data).hexdigest()
    assert art.code.source_code_hash == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert art.code.size == len(data)
    with zipfile.ZipFile(art.code.path) as zf:
        assert art.code.unzipped_size == sum(i.file_size for i in zf.infolist())
        assert zf.testzip() is None


def test_same_inputs_twice_give_identical_bytes(h, agent_dir: Path, tmp_path: Path) -> None:
    first = build(h, agent_dir, tmp_path, out="a")
    second = build(h, agent_dir, tmp_path, out="b")
    assert first.code.path.read_bytes() == second.code.path.read_bytes()
    assert first.code.source_code_hash == second.code.source_code_hash


def test_copy_with_other_mtimes_and_umask_gives_identical_bytes(h, tmp_path: Path) -> None:
    original = h.sample_agent(tmp_path / "one" / "agent")
    old = os.umask(0o077)
    try:
        # a different checkout: other directory, other creation order, restrictive umask, other mtimes
        copy = tmp_path / "elsewhere" / "deeper" / "agent"
        for src in sorted(original.rglob("*"), reverse=True):
            dest = copy / src.relative_to(original)
            if src.is_file():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                if os.access(src, os.X_OK):
                    dest.chmod(0o700)
        for i, path in enumerate(sorted(copy.rglob("*"))):
            os.utime(path, (1_700_000_000 + i * 7919, 1_700_000_000 + i * 7919))
    finally:
        os.umask(old)
    assert (copy / "app.py").stat().st_mode & 0o777 == 0o600
    first = build(h, original, tmp_path, out="a")
    second = build(h, copy, tmp_path, out="b")
    assert first.code.path.read_bytes() == second.code.path.read_bytes()


def test_unicode_names_are_normalized_so_macos_and_linux_agree(h, tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "café.txt")
    nfd = unicodedata.normalize("NFD", "café.txt")
    h.write(tmp_path / "a" / nfc, "menu")
    h.write(tmp_path / "b" / nfd, "menu")
    one = build(h, tmp_path / "a", tmp_path, out="a")
    two = build(h, tmp_path / "b", tmp_path, out="b")
    assert names(one.code.path) == [nfc]
    assert one.code.path.read_bytes() == two.code.path.read_bytes()


def test_user_excludes_add_to_defaults(h, agent_dir: Path, tmp_path: Path) -> None:
    h.write(agent_dir / "docs/guide.md", "guide")
    h.write(agent_dir / "notebooks/explore.ipynb", "{}")
    h.write(agent_dir / "lib/data/big.csv", "a,b")
    h.write(agent_dir / "lib/tests.py", "kept: a file named like the tests/ directory pattern")
    art = build(h, agent_dir, tmp_path, exclude=("docs/", "*.ipynb", "lib/data/*.csv"))
    got = names(art.code.path)
    assert "lib/tests.py" in got
    assert "lib/data/prompt.txt" in got
    assert not [n for n in got if n.startswith(("docs", "notebooks")) or n.endswith(".csv")]


def test_anchored_exclude_only_matches_from_the_root(h, tmp_path: Path) -> None:
    h.write(tmp_path / "src/data/a.json", "{}")
    h.write(tmp_path / "src/lib/data/b.json", "{}")
    art = build(h, tmp_path / "src", tmp_path, exclude=("/data",))
    assert names(art.code.path) == ["lib/", "lib/data/", "lib/data/b.json"]


def test_empty_exclude_pattern_is_rejected(h, agent_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="exclude pattern"):
        build(h, agent_dir, tmp_path, exclude=("/",))


def test_output_and_cache_inside_the_source_are_not_packaged(h, agent_dir: Path) -> None:
    out = agent_dir / "build"
    h.write(out / "leftover.txt", "from a previous run")
    first = build_agent_artifacts(h.spec_for(agent_dir), out, agent_dir / ".cache")
    second = build_agent_artifacts(h.spec_for(agent_dir), out, agent_dir / ".cache")
    assert not [n for n in names(first.code.path) if n.startswith(("build", ".cache"))]
    assert first.code.sha256 == second.code.sha256


def test_symlinks_inside_the_tree_are_stored_as_regular_content(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "shared/config.json", '{"a": 1}')
    (src / "config.json").symlink_to("shared/config.json")
    (src / "alias").symlink_to("shared", target_is_directory=True)
    art = build(h, src, tmp_path)
    with zipfile.ZipFile(art.code.path) as zf:
        assert zf.namelist() == ["alias/", "alias/config.json", "config.json", "shared/", "shared/config.json"]
        assert zf.read("config.json") == b'{"a": 1}'
        info = zf.getinfo("config.json")
        assert stat.S_ISREG(info.external_attr >> 16)


def test_symlink_outside_the_tree_is_refused(h, tmp_path: Path) -> None:
    secret = h.write(tmp_path / "home/.aws/credentials", "[default]\naws_secret_access_key=x\n")
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    (src / "creds").symlink_to(secret)
    with pytest.raises(PackagingError) as err:
        build(h, src, tmp_path)
    assert "points outside the agent directory" in err.value.summary
    assert "creds" in err.value.summary
    assert err.value.category is Category.CONFIGURATION
    assert "exclude" in (err.value.hint or "")
    assert not (tmp_path / "out").exists()


def test_symlinked_directory_outside_the_tree_is_refused(h, tmp_path: Path) -> None:
    h.write(tmp_path / "etc/passwd", "root")
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    (src / "etc").symlink_to(tmp_path / "etc", target_is_directory=True)
    with pytest.raises(PackagingError, match="points outside"):
        build(h, src, tmp_path)


def test_excluded_symlink_outside_the_tree_is_ignored(h, tmp_path: Path) -> None:
    (tmp_path / "real-venv").mkdir()
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    (src / ".venv").symlink_to(tmp_path / "real-venv", target_is_directory=True)
    (src / "big").symlink_to(tmp_path / "real-venv", target_is_directory=True)
    art = build(h, src, tmp_path, exclude=("big",))
    assert names(art.code.path) == ["app.py"]


def test_dangling_symlink_is_a_clear_error(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    (src / "gone.py").symlink_to("missing.py")
    with pytest.raises(PackagingError, match=r"gone\.py points to 'missing\.py', which does not exist"):
        build(h, src, tmp_path)


def test_symlink_loop_is_a_clear_error(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "pkg/app.py", "x")
    (src / "pkg/again").symlink_to("..", target_is_directory=True)
    with pytest.raises(PackagingError, match="loops back"):
        build(h, src, tmp_path)


def test_missing_source_dir_is_a_configuration_error(h, tmp_path: Path) -> None:
    with pytest.raises(PackagingError) as err:
        build(h, tmp_path / "nope", tmp_path)
    assert "does not exist" in err.value.summary and "'support'" in err.value.summary
    assert err.value.exit_code == 1


def test_source_with_nothing_to_package_is_an_error(h, tmp_path: Path) -> None:
    h.write(tmp_path / "src/tests/test_a.py", "x")
    h.write(tmp_path / "src/.venv/x", "x")
    with pytest.raises(PackagingError, match="nothing to package"):
        build(h, tmp_path / "src", tmp_path)


def test_unreadable_file_is_a_clear_error_and_leaves_no_temp_file(
    h, agent_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = Path.open

    def denied(self, *args, **kwargs):
        # chmod 0 does not stop root (CI containers); refuse the read the way the OS would
        if self.name == "app.py":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(PackagingError, match=r"cannot read .*app\.py: Permission denied"):
        build(h, agent_dir, tmp_path)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "x" * 200])
def test_names_that_could_escape_out_dir_are_refused(h, agent_dir: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(PackagingError, match="cannot be used as an artifact file name"):
        build(h, agent_dir, tmp_path, name=name)


@pytest.mark.parametrize(
    ("runtime", "arch", "message"),
    [("nodejs20.x", "arm64", "not a Lambda Python runtime"), ("python3.12", "ppc64le", "architecture")],
)
def test_bad_runtime_or_architecture(h, agent_dir: Path, tmp_path: Path, runtime, arch, message) -> None:
    with pytest.raises(PackagingError, match=message):
        build(h, agent_dir, tmp_path, runtime=runtime, architecture=arch)


def test_failed_write_leaves_previous_artifact_and_no_temp_files(
    h, agent_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = build(h, agent_dir, tmp_path)
    before = good.code.path.read_bytes()
    h.write(agent_dir / "new.py", "changed")

    real_write = zipfile.ZipFile.open

    def full_disk(self, *args, **kwargs):
        handle = real_write(self, *args, **kwargs)

        def write(data):
            raise OSError(28, "No space left on device")

        handle.write = write
        return handle

    monkeypatch.setattr(zipfile.ZipFile, "open", full_disk)
    with pytest.raises(StrandsError, match="No space left on device") as err:
        build(h, agent_dir, tmp_path)
    assert err.value.category is Category.STATE and "cannot write" in err.value.summary
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["support-code.zip"]
    assert good.code.path.read_bytes() == before


def test_large_incompressible_files_are_stored_and_the_rest_deflated(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "weights.bin", os.urandom(2 * 1024 * 1024))
    h.write(src / "corpus.txt", "the same words again and again\n" * 80_000)
    h.write(src / "small.bin", os.urandom(1000))
    art = build(h, src, tmp_path)
    with zipfile.ZipFile(art.code.path) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
        assert zf.testzip() is None
    assert kinds == {
        "corpus.txt": zipfile.ZIP_DEFLATED,
        "small.bin": zipfile.ZIP_DEFLATED,
        "weights.bin": zipfile.ZIP_STORED,
    }
    again = build(h, src, tmp_path, out="again")
    assert again.code.path.read_bytes() == art.code.path.read_bytes()


def test_extra_files_are_added_unless_the_agent_has_its_own(h, agent_dir: Path, tmp_path: Path) -> None:
    from strands_tf.runtime import SECRETS_HELPER, secrets_helper_path

    extra = ((SECRETS_HELPER, secrets_helper_path()),)
    art = build(h, agent_dir, tmp_path, extra_files=extra)
    assert SECRETS_HELPER in names(art.code.path)
    with zipfile.ZipFile(art.code.path) as zf:
        assert zf.read(SECRETS_HELPER) == secrets_helper_path().read_bytes()
        assert zf.getinfo(SECRETS_HELPER).external_attr >> 16 == stat.S_IFREG | 0o644
    # the same inputs give the same bytes (the helper sorts in like any file)
    again = build(h, agent_dir, tmp_path, out="again", extra_files=extra)
    assert again.code.sha256 == art.code.sha256
    # an agent that ships its own copy keeps it
    (agent_dir / SECRETS_HELPER).write_text("# my own\n")
    own = build(h, agent_dir, tmp_path, out="own", extra_files=extra)
    with zipfile.ZipFile(own.code.path) as zf:
        assert zf.read(SECRETS_HELPER) == b"# my own\n"
        assert zf.namelist().count(SECRETS_HELPER) == 1
