"""What never goes into an agent's zip: secrets and state by default, `.gitignore`d files, `exclude:` patterns."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.errors import ConfigError
from strands_tf.packaging import PackageSpec, build_agent_artifacts


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [n for n in zf.namelist() if not n.endswith("/")]


def build(h, source: Path, tmp_path: Path, *, project_root: Path | None = None, exclude: tuple[str, ...] = ()):
    spec = PackageSpec("support", source, "python3.12", "arm64", None, exclude=exclude, project_root=project_root)
    return build_agent_artifacts(spec, tmp_path / "out", tmp_path / "cache")


SECRETS_AND_STATE = [
    ".env",
    ".env.local",
    ".envrc",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "infra/prod.tfstate",
    "plan.tfplan",
    ".terraform/providers/x",
    "sub/.terraform/terraform.tfstate",
    ".strands/state/dev.json",
    ".git/config",
    ".venv/lib/site.py",
    "__pycache__/app.cpython-312.pyc",
    "lib/__pycache__/x.cpython-312.pyc",
]


def test_secrets_state_and_caches_are_never_packaged(h, tmp_path: Path) -> None:
    src = tmp_path / "agent"
    h.write(src / "app.py", "def handler(e, c): return {}\n")
    h.write(src / "lib/util.py", "x = 1\n")
    h.write(src / "environment.py", "a module whose name only starts like .env files is code\n")
    for rel in SECRETS_AND_STATE:
        h.write(src / rel, "SECRET=hunter2\n")
    got = names(build(h, src, tmp_path).code.path)
    assert got == ["app.py", "environment.py", "lib/util.py"]


def test_secrets_cannot_be_re_included(h, tmp_path: Path) -> None:
    src = tmp_path / "agent"
    h.write(src / "app.py", "x")
    h.write(src / ".env", "SECRET=hunter2\n")
    h.write(src / "terraform.tfstate", "{}")
    h.write(src / "tests/test_app.py", "def test(): pass\n")
    got = names(build(h, src, tmp_path, exclude=("!.env", "!terraform.tfstate", "!tests/")).code.path)
    # tests/ is only a default and can be taken back; secrets and state cannot
    assert got == ["app.py", "tests/test_app.py"]


def test_the_agent_directorys_gitignore_is_honoured(h, tmp_path: Path) -> None:
    src = tmp_path / "agent"
    h.write(src / "app.py", "x")
    h.write(src / ".gitignore", "# generated\ndata/\n*.log\n!keep.log\n/local.py\n\\#literal\n")
    h.write(src / "data/big.csv", "a,b")
    h.write(src / "run.log", "noise")
    h.write(src / "keep.log", "needed at runtime")
    h.write(src / "local.py", "only at the top")
    h.write(src / "lib/local.py", "kept: /local.py is anchored")
    h.write(src / "#literal", "x")
    got = names(build(h, src, tmp_path).code.path)
    assert got == [".gitignore", "app.py", "keep.log", "lib/local.py"]


def test_project_and_nested_gitignores_apply_to_the_agent(h, tmp_path: Path) -> None:
    project = tmp_path / "project"
    src = project / "agents" / "support"
    h.write(project / ".gitignore", "agents/support/generated/\n*.sqlite\n")
    h.write(project / "agents" / ".gitignore", "scratch/\n")
    h.write(src / "app.py", "x")
    h.write(src / "generated/client.py", "x")
    h.write(src / "cache.sqlite", "x")
    h.write(src / "scratch/notes.md", "x")
    h.write(src / "lib/.gitignore", "fixtures/\n!fixtures/keep.json\n")
    h.write(src / "lib/fixtures/big.json", "{}")
    h.write(src / "lib/code.py", "x")
    h.write(src / "lib/generated/x.py", "kept: the project's pattern is anchored at agents/support/generated")
    got = names(build(h, src, tmp_path, project_root=project).code.path)
    assert got == ["app.py", "lib/.gitignore", "lib/code.py", "lib/generated/x.py"]


def test_exclude_patterns_win_over_gitignore(h, tmp_path: Path) -> None:
    src = tmp_path / "agent"
    h.write(src / "app.py", "x")
    h.write(src / ".gitignore", "prompts.json\n")
    h.write(src / "prompts.json", "{}")
    h.write(src / "docs/guide.md", "x")
    h.write(src / "lib/deep/data/x.bin", "x")
    got = names(build(h, src, tmp_path, exclude=("!prompts.json", "docs/", "lib/**/data/")).code.path)
    assert got == [".gitignore", "app.py", "prompts.json"]


def test_star_does_not_cross_directories(h, tmp_path: Path) -> None:
    src = tmp_path / "agent"
    h.write(src / "lib/data/a.csv", "x")
    h.write(src / "lib/data/more/b.csv", "x")
    h.write(src / "app.py", "x")
    got = names(build(h, src, tmp_path, exclude=("lib/data/*.csv",)).code.path)
    assert got == ["app.py", "lib/data/more/b.csv"]


def test_the_package_hash_ignores_changes_to_excluded_files(h, tmp_path: Path) -> None:
    src = tmp_path / "agent"
    h.write(src / "app.py", "def handler(e, c): return {}\n")
    h.write(src / ".gitignore", "data/\n")
    h.write(src / ".env", "API_KEY=one\n")
    h.write(src / "data/cache.db", "v1")
    h.write(src / "notes.md", "v1")
    first = build(h, src, tmp_path, exclude=("notes.md",))
    h.write(src / ".env", "API_KEY=two\n")
    h.write(src / "data/cache.db", "v2")
    h.write(src / "notes.md", "v2")
    h.write(src / "terraform.tfstate", "{}")
    second = build(h, src, tmp_path, exclude=("notes.md",))
    assert second.code.source_code_hash == first.code.source_code_hash
    h.write(src / "app.py", "def handler(e, c): return {'changed': True}\n")
    assert build(h, src, tmp_path, exclude=("notes.md",)).code.source_code_hash != first.code.source_code_hash


# --- exclude: in strands.yaml ---------------------------------------------------------------------

CONFIG = """\
version: 1
project: demo
region: us-east-1
defaults:
  exclude: ["*.ipynb", "docs/"]
environments:
  dev: {}
  prod:
    overrides:
      agents:
        support: {exclude: ["fixtures/"]}
agents:
  support:
    path: agents/support
    exclude: ["!docs/", "scratch/"]
"""


def _project(tmp_path: Path, config: str = CONFIG) -> Path:
    root = tmp_path / "demo"
    (root / "agents" / "support").mkdir(parents=True)
    (root / "agents" / "support" / "app.py").write_text("def handler(e, c): return {}\n")
    (root / "strands.yaml").write_text(config)
    return root


def test_exclude_lists_add_up_from_defaults_to_agent_to_environment(tmp_path: Path) -> None:
    loaded = load_project(_project(tmp_path))
    assert resolve(loaded, "dev").agents["support"].exclude == ("*.ipynb", "docs/", "!docs/", "scratch/")
    assert resolve(loaded, "prod").agents["support"].exclude == ("*.ipynb", "docs/", "!docs/", "scratch/", "fixtures/")


def test_synth_packages_with_the_configured_excludes(h, tmp_path: Path) -> None:
    from strands_tf.generators.synth import package_agents

    root = _project(tmp_path)
    src = root / "agents" / "support"
    h.write(src / "docs/guide.md", "x")
    h.write(src / "scratch/x.py", "x")
    h.write(src / "explore.ipynb", "{}")
    h.write(src / ".env", "SECRET=1")
    (root / ".gitignore").write_text("*.log\n")
    h.write(src / "debug.log", "x")
    loaded = load_project(root)
    package_agents(resolve(loaded, "dev"), loaded, tmp_path / "assets")
    assert names(tmp_path / "assets" / "support-code.zip") == ["app.py", "docs/guide.md"]


@pytest.mark.parametrize(
    ("value", "message"),
    [('""', "empty"), ('"!"', "empty"), ("[1]", "string"), ('"a\\u0000b"', "NUL")],
)
def test_bad_exclude_patterns_are_located(tmp_path: Path, value: str, message: str) -> None:
    root = _project(tmp_path, CONFIG.replace('exclude: ["!docs/", "scratch/"]', f"exclude: [{value}]"))
    with pytest.raises(ConfigError) as info:
        load_project(root)
    text = info.value.detail or ""
    assert "strands.yaml:15:" in text and "agents.support.exclude" in text and message in text
