"""The committable HCL export (issue 16, items 1-2): self-contained, no artifacts, `--check`, `strands package`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from strands_tf.cli.main import main

from .conftest import synth


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _exported_text(root: Path) -> str:
    return "\n".join(p.read_text() for p in root.rglob("*") if p.is_file() and "modules" not in p.parts)


@pytest.mark.parametrize("environment", ["local", "dev"])
def test_export_outside_the_project_has_no_machine_paths(sample: Path, tmp_path: Path, environment: str) -> None:
    """State, modules and zips are referenced inside the export: it can be moved, cloned and planned anywhere."""
    export = tmp_path / "elsewhere" / "infra"
    synth(sample, environment, hcl=export, package=True)
    text = _exported_text(export)
    assert str(tmp_path) not in text and ".strands" not in text and "/root" not in text
    for path in re.findall(r'path\s+= "([^"]+)"', text):
        assert (export / path).resolve().is_relative_to(export.resolve()), path
    for source in re.findall(r'source\s+= "(\./[^"]+)"', text):
        assert (export / source).is_dir(), source
    # nothing built is in the tree: the zips are referenced by hash
    assert not any(p.suffix == ".zip" for p in export.rglob("*"))
    assert re.search(r'filename\s+= "assets/support-code.zip"', text)
    assert re.search(r'source_code_hash\s+= "[A-Za-z0-9+/]{43}="', text)


def test_per_agent_local_state_stays_inside_the_export(sample: Path) -> None:
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    synth(sample, "local", hcl=sample / "infra")
    consumer = (sample / "infra" / "support-desk-local-support" / "data.tf").read_text()
    assert 'path = "../support-desk-local.tfstate"' in consumer
    versions = (sample / "infra" / "support-desk-local" / "versions.tf").read_text()
    assert 'path = "../support-desk-local.tfstate"' in versions
    manifest = json.loads((sample / "infra" / "strands-export.json").read_text())
    assert manifest["stacks"][0]["name"] == "support-desk-local"
    assert {s["directory"] for s in manifest["stacks"]} == {s["name"] for s in manifest["stacks"]}


def test_gitignore_keeps_built_and_local_files_out_of_git(sample: Path) -> None:
    """In a real git repository: zips, state, plans and provider caches are ignored; the lock file is not."""
    synth(sample, "local", hcl=sample / "infra", package=True)
    infra = sample / "infra"
    for rel in ("assets/support-code.zip", ".terraform/providers/x", "support-desk-local.tfstate", "x.tfplan"):
        (infra / rel).parent.mkdir(parents=True, exist_ok=True)
        (infra / rel).write_text("x")
    (infra / ".terraform.lock.hcl").write_text("# lock\n")
    subprocess.run(["git", "init", "-q", str(sample)], check=True)
    listed = subprocess.run(
        ["git", "-C", str(sample), "ls-files", "--others", "--exclude-standard", "infra"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "infra/.terraform.lock.hcl" in listed and "infra/versions.tf" in listed
    assert "infra/modules/strands-agent/main.tf" in listed
    assert not [p for p in listed if "assets/" in p or ".terraform/" in p or "tfstate" in p or "tfplan" in p]
    terraformignore = [ln for ln in (infra / ".terraformignore").read_text().splitlines() if not ln.startswith("#")]
    assert "assets/" not in terraformignore and ".terraform/" in terraformignore  # CLI-driven runs upload the zips


def test_re_export_keeps_what_terraform_and_the_package_step_made(sample: Path) -> None:
    infra = sample / "infra"
    synth(sample, "local", hcl=infra, package=True)
    kept = {
        ".terraform/providers/p": "provider",
        ".terraform.lock.hcl": "# lock\n",
        "support-desk-local.tfstate": '{"version": 4}',
        "assets/support-code.zip": "zip",
        "reviewed.tfplan": "plan",
    }
    for rel, text in kept.items():
        (infra / rel).parent.mkdir(parents=True, exist_ok=True)
        (infra / rel).write_text(text)
    (infra / "stale.tf").write_text("# removed by a re-export\n")
    synth(sample, "local", hcl=infra, package=True)
    for rel, text in kept.items():
        assert (infra / rel).read_text() == text, rel
    assert not (infra / "stale.tf").exists()


def test_check_passes_on_a_fresh_export_and_fails_with_a_summary_when_stale(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["-C", str(sample), "synth", "-e", "dev", "--hcl", str(sample / "infra")]
    assert _cli(base, monkeypatch, capsys)[0] == 0
    (sample / "infra" / ".terraform").mkdir()
    (sample / "infra" / ".terraform.lock.hcl").write_text("# lock\n")
    code, out = _cli([*base, "--check"], monkeypatch, capsys)
    assert code == 0, out
    assert "up to date" in out
    # a change of strands.yaml: the module file differs, with a diff excerpt
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("{support: {memory: 1024,", "{support: {memory: 1536,", 1))
    (sample / "infra" / "hand-written.tf").write_text("# not generated\n")
    (sample / "infra" / "sns.tf").unlink()
    before = {p: p.read_bytes() for p in (sample / "infra").rglob("*") if p.is_file()}
    code, out = _cli([*base, "--check"], monkeypatch, capsys)
    assert code == 1
    assert "- hand-written.tf (no longer generated)" in out and "+ sns.tf (new)" in out
    assert "stale" in out and "strands synth -e dev --hcl" in out
    # --check writes nothing
    assert {p: p.read_bytes() for p in (sample / "infra").rglob("*") if p.is_file()} == before


def test_check_json_and_a_missing_export(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(
        ["-C", str(sample), "synth", "-e", "dev", "--hcl", str(sample / "nowhere"), "--check", "--json"],
        monkeypatch,
        capsys,
    )
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False and "versions.tf" in doc["added"] and doc["removed"] == []
    assert not (sample / "nowhere").exists()


def test_check_needs_hcl(sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(["-C", str(sample), "synth", "--check"], monkeypatch, capsys)
    assert code == 2 and "--hcl" in out


def test_code_change_makes_the_export_stale(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Agent code is part of the export through its hash: a code-only change fails --check and the package step."""
    infra = sample / "infra"
    assert _cli(["-C", str(sample), "synth", "-e", "dev", "--hcl", str(infra)], monkeypatch, capsys)[0] == 0
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--hcl", str(infra)], monkeypatch, capsys)
    assert code == 0, out
    zip_before = (infra / "assets" / "support-code.zip").read_bytes()
    (sample / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return 2\n")
    code, out = _cli(["-C", str(sample), "synth", "-e", "dev", "--hcl", str(infra), "--check"], monkeypatch, capsys)
    assert code == 1 and "~ agent_support.tf (+1 -1 lines)" in out
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--hcl", str(infra)], monkeypatch, capsys)
    assert code == 1 and "support" in out and "changed since the export" in out
    assert (infra / "assets" / "support-code.zip").read_bytes() == zip_before  # nothing written


def test_package_puts_zips_where_the_export_reads_them(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64
    import hashlib

    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    infra = sample / "infra"
    assert _cli(["-C", str(sample), "synth", "-e", "dev", "--hcl", str(infra)], monkeypatch, capsys)[0] == 0
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--hcl", str(infra), "--json"], monkeypatch, capsys)
    assert code == 0, out
    files = json.loads(out)["files"]
    assert sorted(f["path"] for f in files) == [
        "support-desk-dev-support/assets/support-code.zip",
        "support-desk-dev-triage/assets/triage-code.zip",
    ]
    for entry in files:
        digest = base64.b64encode(hashlib.sha256((infra / entry["path"]).read_bytes()).digest()).decode()
        assert digest == entry["source_code_hash"]
        module = (infra / Path(entry["path"]).parts[0] / f"agent_{entry['agent']}.tf").read_text()
        assert re.search(rf'source_code_hash\s+= "{re.escape(digest)}"', module)


def test_package_refuses_another_environment_and_non_exports(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    infra = sample / "infra"
    synth(sample, "dev", hcl=infra, package=True)
    code, out = _cli(["-C", str(sample), "package", "-e", "local", "--hcl", str(infra)], monkeypatch, capsys)
    assert code == 1 and "export of environment 'dev'" in out and "package -e dev" in out
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--hcl", str(sample / "agents")], monkeypatch, capsys)
    assert code == 1 and "not an HCL export" in out
    manifest = json.loads((infra / "strands-export.json").read_text())
    manifest["agents"]["support"]["files"][0]["path"] = "../../outside.zip"
    (infra / "strands-export.json").write_text(json.dumps(manifest))
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--hcl", str(infra)], monkeypatch, capsys)
    assert code == 1 and "outside the export" in out and not (sample.parent / "outside.zip").exists()
    (infra / "strands-export.json").write_text("{not json")
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--hcl", str(infra)], monkeypatch, capsys)
    assert code == 1 and "not a readable export manifest" in out
    assert "Traceback" not in out


def test_package_without_an_export_writes_zips_and_hashes(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(["-C", str(sample), "package", "-e", "dev", "--out", str(sample / "dist")], monkeypatch, capsys)
    assert code == 0, out
    assert sorted(p.name for p in (sample / "dist").iterdir()) == ["support-code.zip", "triage-code.zip"]
    code, out = _cli(["-C", str(sample), "package", "-e", "dev"], monkeypatch, capsys)
    assert code == 0 and (sample / ".strands" / "packages" / "dev" / "support-code.zip").is_file()


def test_cdktf_resynth_keeps_terraform_files_in_stack_folders(sample: Path) -> None:
    """Regression (issue 16 item 6): a synth used to delete .terraform/ and saved plans that `cdktn diff` left."""
    synth(sample, "local")
    stack = sample / "cdktf.out" / "stacks" / "support-desk-local"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / ".terraform" / "providers" / "p").write_text("provider")
    (stack / "plan").write_text("saved plan")  # cdktn saves its plan as `plan`
    (stack / "x.tfplan").write_text("saved plan")
    synth(sample, "local")
    assert (stack / ".terraform" / "providers" / "p").read_text() == "provider"
    assert (stack / "x.tfplan").read_text() == "saved plan"
    assert (stack / "plan").read_text() == "saved plan"
    shutil.rmtree(stack / ".terraform")


def test_re_export_keeps_local_state_of_per_agent_stacks(sample: Path) -> None:
    """With several stacks the local state files sit at the export's root (`../<stack>.tfstate`): kept too."""
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    infra = sample / "infra"
    synth(sample, "local", hcl=infra)
    (infra / "support-desk-local.tfstate").write_text('{"version": 4}')
    (infra / "support-desk-local-api" / ".terraform").mkdir()
    synth(sample, "local", hcl=infra)
    assert (infra / "support-desk-local.tfstate").read_text() == '{"version": 4}'
    assert (infra / "support-desk-local-api" / ".terraform").is_dir()


def test_check_of_a_crafted_export_writes_no_control_characters(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export is committed: a pull request can put anything in it, and --check runs on it in CI."""
    infra = sample / "infra"
    base = ["-C", str(sample), "synth", "-e", "dev", "--hcl", str(infra)]
    assert _cli(base, monkeypatch, capsys)[0] == 0
    (infra / "sns.tf").write_text("# \x1b]0;owned\x07 \x9b2J\n", encoding="utf-8")
    (infra / "x\x1b[2J.tf").write_text("# hand-written\n")
    code, out = _cli([*base, "--check"], monkeypatch, capsys)
    assert code == 1 and "\\x1b]0;owned\\x07" in out and "x\\x1b[2J.tf" in out
    assert not any(c in out for c in "\x1b\x07\x9b"), out
