"""Units without Terraform or AWS: redaction, secret harvesting, archive, layout, lifecycle, metadata, git."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from strands_tf.errors import StateError, UserError
from strands_tf.history import layout
from strands_tf.history.archive import extract_stacks_archive, write_stacks_archive
from strands_tf.history.bucket import lifecycle_rules, tls_only_policy
from strands_tf.history.gitinfo import git_info
from strands_tf.history.redact import Redactor
from strands_tf.history.secrets import secrets_in_tfstate
from strands_tf.history.service import emulator_bucket_name, parse_metadata


def test_redactor_replaces_known_secrets_in_raw_and_json_escaped_form() -> None:
    secret = 'pa"ss\\word-Ümlaut-123'
    redactor = Redactor(secrets={secret, "abc"})
    raw, n1 = redactor.text(f"token={secret};")
    assert secret not in raw and n1 == 1
    escaped = json.dumps({"v": secret})
    scrubbed, n2 = redactor.text(escaped)
    assert n2 == 1 and json.loads(scrubbed) == {"v": "(sensitive)"}
    ascii_escaped = json.dumps({"v": secret}, ensure_ascii=True)
    assert secret.encode("unicode_escape").decode() not in redactor.text(ascii_escaped)[0]
    assert json.loads(redactor.text(ascii_escaped)[0]) == {"v": "(sensitive)"}
    # short values are replaced only as whole JSON strings, never inside words
    assert redactor.text('{"a": "abc", "b": "abcdef"}')[0] == '{"a": "(sensitive)", "b": "abcdef"}'


def test_redactor_patterns_and_builtin_credentials() -> None:
    redactor = Redactor(patterns=[r"sk-live-[A-Za-z0-9]+"])
    text = (
        "k=sk-live-abc123 id=AKIAABCDEFGHIJKLMNOP\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"
    )
    out, count = redactor.text(text)
    assert count == 3 and "sk-live" not in out and "AKIA" not in out and "MIIB" not in out
    binary = b"\x00\x01sk-live-abc123"
    assert redactor.data(binary) == (binary, 0)  # binary objects (zips) are not rewritten
    assert Redactor(builtin=False).active is False


def test_secrets_in_tfstate_reads_every_sensitive_attributes_shape() -> None:
    doc = {
        "outputs": {"token": {"sensitive": True, "value": {"a": ["out-secret"]}}, "plain": {"value": "public"}},
        "resources": [
            {
                "instances": [
                    {
                        "attributes": {"environment": [{"variables": {"API_KEY": "env-secret", "LEVEL": "info"}}]},
                        "sensitive_attributes": [
                            [
                                {"type": "get_attr", "value": "environment"},
                                {"type": "index", "value": {"value": 0, "type": "number"}},
                                {"type": "get_attr", "value": "variables"},
                                {"type": "index", "value": {"value": "API_KEY", "type": "string"}},
                            ]
                        ],
                    },
                    {"attributes": {"password": "pw-secret"}, "sensitive_attributes": [{"path": "password"}]},
                    {
                        "attributes": {"input": {"value": "data-secret", "type": "string"}},
                        "sensitive_attributes": [[{"type": "get_attr", "value": "input"}]],
                    },
                ]
            }
        ],
    }
    found = secrets_in_tfstate(doc)
    assert {"out-secret", "env-secret", "data-secret"} <= found
    assert "public" not in found and "info" not in found
    assert secrets_in_tfstate(None) == set() and secrets_in_tfstate({"resources": "nonsense"}) == set()


def make_stacks(root: Path) -> Path:
    out = root / "cdktf.out"
    stack = out / "stacks" / "app"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / ".terraform" / "providers" / "big.bin").write_bytes(b"x" * 100)
    (out / "manifest.json").write_text('{"stacks": {"app": {"workingDirectory": "stacks/app"}}}')
    (stack / "cdk.tf.json").write_text('{"env": "sk-live-zzz999"}')
    (stack / "terraform.tfstate").write_text("{}")
    (stack / "terraform.tfstate.backup").write_text("{}")
    (stack / "app.tfplan").write_bytes(b"PK")
    (stack / "assets").mkdir()
    (stack / "assets" / "code.zip").write_bytes(b"PK\x03\x04\x00\xffsk-live-zzz999")
    return out


def test_archive_is_deterministic_excludes_state_and_redacts_text(tmp_path: Path) -> None:
    out = make_stacks(tmp_path)
    redactor = Redactor(patterns=[r"sk-live-[a-z0-9]+"])
    first = write_stacks_archive(out, tmp_path / "a.tar.gz", redactor)
    (out / "stacks" / "app" / "cdk.tf.json").touch()  # a newer mtime changes nothing
    write_stacks_archive(out, tmp_path / "b.tar.gz", redactor)
    digest = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("a.tar.gz", "b.tar.gz")]
    assert digest[0] == digest[1]
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        names = tar.getnames()
        assert names == sorted(names)
        assert names == [
            "cdktf.out/manifest.json",
            "cdktf.out/stacks/app/assets/code.zip",
            "cdktf.out/stacks/app/cdk.tf.json",
        ]
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
        assert tar.extractfile("cdktf.out/stacks/app/cdk.tf.json").read() == b'{"env": "(redacted)"}'
        assert b"sk-live-zzz999" in tar.extractfile("cdktf.out/stacks/app/assets/code.zip").read()
    assert first.redactions == {"stacks/app/cdk.tf.json": 1}
    target = extract_stacks_archive(tmp_path / "a.tar.gz", tmp_path / "restored" / "cdktf.out")
    assert (target / "stacks" / "app" / "assets" / "code.zip").read_bytes().startswith(b"PK")
    with pytest.raises(StateError, match=r"no manifest\.json"):
        write_stacks_archive(tmp_path / "restored", tmp_path / "c.tar.gz", redactor)


def _tar_with(tmp_path: Path, member: tarfile.TarInfo, data: bytes = b"x") -> Path:
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        member.size = len(data) if member.isfile() else 0
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


@pytest.mark.parametrize("name", ["cdktf.out/../../escape.txt", "/etc/passwd", "other/file"])
def test_extract_refuses_members_outside_cdktf_out(tmp_path: Path, name: str) -> None:
    archive = _tar_with(tmp_path, tarfile.TarInfo(name))
    with pytest.raises(StateError, match="unsafe member"):
        extract_stacks_archive(archive, tmp_path / "dest" / "cdktf.out")
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "dest" / "cdktf.out").exists()


def test_extract_refuses_links_and_damaged_archives(tmp_path: Path) -> None:
    link = tarfile.TarInfo("cdktf.out/link")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(StateError, match="not a regular file"):
        extract_stacks_archive(_tar_with(tmp_path, link), tmp_path / "dest" / "cdktf.out")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(StateError, match="cannot unpack"):
        extract_stacks_archive(broken, tmp_path / "dest" / "cdktf.out")


def test_layout_keys_and_ids() -> None:
    assert layout.record_prefix("/teams//ai/", "demo", "dev", "20261125T150102Z-3fa1c2") == (
        "teams/ai/demo/dev/deployments/20261125T150102Z-3fa1c2"
    )
    assert layout.record_prefix("", "demo", "dev", "20261125T150102Z-3fa1c2").startswith("demo/dev/")
    with pytest.raises(UserError, match="is not a deployment id"):
        layout.check_deployment_id("../../etc")
    with pytest.raises(UserError, match="cannot be used in a history key"):
        layout.environment_prefix("", "demo", "../prod")
    address = 'module.support.aws_lambda_function.this["a/b c"]'
    name = layout.resource_log_name("demo-dev-app", address)
    assert "/" not in name.split("/", 2)[2] and layout.parse_resource_log_name(name) == ("demo-dev-app", address)
    assert layout.parse_resource_log_name("events.jsonl") is None


def test_lifecycle_rules_follow_retention() -> None:
    long = {r["ID"]: r for r in lifecycle_rules(365, "teams")}
    assert long["strands-history-expire"]["Expiration"] == {"Days": 365}
    assert long["strands-history-infrequent-access"]["Transitions"][0] == {"Days": 182, "StorageClass": "STANDARD_IA"}
    assert long["strands-history-expire"]["Filter"] == {"Prefix": "teams/"}
    short = {r["ID"] for r in lifecycle_rules(30)}
    assert short == {"strands-history-expire", "strands-history-abort-multipart"}
    assert lifecycle_rules(1)[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    policy = tls_only_policy("b")
    assert {s["Effect"] for s in policy["Statement"]} == {"Deny"}


def test_metadata_errors_name_the_object() -> None:
    with pytest.raises(StateError, match="s3://b/k is not valid JSON"):
        parse_metadata(b"{", "s3://b/k")
    with pytest.raises(StateError, match="s3://b/k is not valid JSON: nested too deeply"):
        parse_metadata(b"[" * 100_000 + b"]" * 100_000, "s3://b/k")
    with pytest.raises(StateError, match="newer than this strands-tf reads"):
        parse_metadata(b'{"format_version": 9}', "x")
    with pytest.raises(StateError, match="not a deployment record"):
        parse_metadata(b'{"format_version": 1, "id": 3}', "x")


def test_emulator_bucket_name_is_valid() -> None:
    assert emulator_bucket_name("Support_Desk") == "strands-history-support-desk"
    assert len(emulator_bucket_name("x" * 100)) <= 63


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "HOME": str(root),
            "PATH": "/usr/bin:/bin",
        },
    )


def test_git_info(tmp_path: Path) -> None:
    assert git_info(tmp_path).commit is None and git_info(tmp_path).dirty is None
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "strands.yaml").write_text("version: 1\n")
    _git(tmp_path, "add", "strands.yaml")
    _git(tmp_path, "commit", "-q", "-m", "init")
    (tmp_path / ".strands").mkdir()
    (tmp_path / ".strands" / "x.json").write_text("{}")  # the tool's own files do not count
    info = git_info(tmp_path)
    assert info.branch == "main" and len(info.commit or "") == 40 and info.dirty is False
    (tmp_path / "strands.yaml").write_text("version: 2\n")
    assert git_info(tmp_path).dirty is True


def _spool_record(root: Path, deployment_id: str, content: bytes) -> Path:
    from strands_tf.history.models import ObjectInfo, RecordMetadata

    directory = root / ".strands" / "history-spool" / "demo" / "dev" / "deployments" / deployment_id
    directory.mkdir(parents=True)
    (directory / "events.jsonl").write_bytes(content)
    meta = RecordMetadata(
        id=deployment_id, project="demo", environment="dev", command="apply", status="succeeded",
        started_at="2026-11-25T15:01:02+00:00", recorded_at="2026-11-25T15:02:00+00:00", tool_version="0.1.0",
        objects={"events.jsonl": ObjectInfo(sha256=hashlib.sha256(content).hexdigest(), size=len(content))},
    )  # fmt: skip
    (directory / "metadata.json").write_bytes(meta.to_json_bytes())
    return directory


def test_sync_skips_a_damaged_spooled_record_and_uploads_the_rest(tmp_path: Path) -> None:
    from filelock import FileLock

    from strands_tf.history.service import History
    from strands_tf.history.store import LocalStore

    damaged = _spool_record(tmp_path, "20261125T150102Z-aaaaaa", b'{"a": 1}\n')
    (damaged / "events.jsonl").write_bytes(b"tampered\n")
    _spool_record(tmp_path, "20261125T150103Z-bbbbbb", b'{"b": 2}\n')
    (tmp_path / ".strands" / "history-spool" / "demo" / "dev" / "deployments" / "20261125T150104Z-cccccc").mkdir()
    history = History(LocalStore(tmp_path / "store"), "demo", tmp_path)
    assert [key.rsplit("/", 1)[1] for key, _ in history.spooled()] == [
        "20261125T150102Z-aaaaaa",
        "20261125T150103Z-bbbbbb",
    ]  # fmt: skip  (the directory without metadata.json is still being written: not a record yet)
    with FileLock(str(tmp_path / ".strands" / "history-spool" / ".sync.lock")):
        busy = history.sync()
    assert busy.skipped_busy and not busy.uploaded
    report = history.sync()
    assert report.uploaded == ["demo/dev/deployments/20261125T150103Z-bbbbbb"]
    assert "changed since it was recorded" in report.pending["demo/dev/deployments/20261125T150102Z-aaaaaa"]
    assert damaged.is_dir()  # kept for inspection, never uploaded half-right
    assert [m.id for m in history.list()] == ["20261125T150103Z-bbbbbb"]
