"""Property tests: whatever bytes, text or structure strands.yaml holds, the loader fails only with StrandsError."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from strands_tf.config import load_project, resolve, resolve_all, select_agents
from strands_tf.config.models import ProjectConfig
from strands_tf.errors import ConfigError, StrandsError

SAMPLE = Path(__file__).parent / "data" / "sample"
SAMPLE_DATA: dict[str, Any] = yaml.safe_load((SAMPLE / "strands.yaml").read_text())
FIELD_NAMES = sorted(
    {
        *ProjectConfig.model_fields,
        "path",
        "handler",
        "memory",
        "timeout",
        "permissions",
        "triggers",
        "resource",
        "access",
        "queue",
        "batch_size",
        "api",
        "routes",
        "cors",
        "type",
        "account",
        "overrides",
        "vpc",
        "cidr",
        "name",
        "<<",
    }
)
PROFILE = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample project whose strands.yaml each example overwrites."""
    root = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(SAMPLE, root)
    return root


def exercise(root: Path, content: bytes, fragment: bytes | None = None) -> None:
    """Load, resolve every environment and select agents; only the project's own errors may escape."""
    (root / "strands.yaml").write_bytes(content)
    fragment_file = root / "agents" / "triage" / "agent.yaml"
    if fragment is None:
        fragment_file.unlink(missing_ok=True)
    else:
        fragment_file.write_bytes(fragment)
    try:
        loaded = load_project(root, env={"REGION": "eu-west-1"})
        resolve_all(loaded, environ={})
        for name in [*loaded.config.environments, "local"]:
            resolve(loaded, name, agents=["*"] if loaded.config.agents else (), environ={})
        select_agents(loaded.config.agents, ["s*"] if "support" in loaded.config.agents else [])
    except ConfigError as exc:
        assert exc.issues, "a ConfigError must carry at least one issue"
        for issue in exc.issues:
            assert issue.message and issue.file
            issue.format()
        exc.to_dict()
    except StrandsError as exc:
        assert exc.summary


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["${env:REGION}", "${env:UNSET}", "$${env:X}", "${nope}", "011111111111", "*", "app.handler"])
)
keys = st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=12)
structures = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)
YAML_CHARS = "abcdefvp0123456789:-[]{}&*!|>'\"%@`#,?$ \n\t\r.~<=\\/\u00e9\ufeff"
YAML_ALPHABET = st.sampled_from(list(YAML_CHARS))


@PROFILE
@given(st.binary(max_size=400))
def test_arbitrary_bytes(project: Path, raw: bytes) -> None:
    exercise(project, raw)


# Inputs that once crashed the loader or hung it, kept as regression examples.
REGRESSIONS = [
    "version: 1\nproject: demo\nx: {<<: {? [a]: 1}, b: 2}\n",  # merge key whose source has a list key
    'version: 1\nproject: demo\nagents:\n  a: {path: "a\\0b"}\n',  # NUL in a path
    "version: 1\nproject: demo\ntags: &t {a: *t}\n",  # recursive alias
    "a: &a {<<: *a}\n",  # merge key that refers to its own mapping
    "l0: &l0 [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)),  # alias bomb
    "version: 1\nproject: demo\nenvironments: {dev: {account: 0777}}\n",  # octal account id
    "version: 1\nproject: demo\ntags: {a: !!int x, b: !!binary '%%', c: !!float y}\n",  # bad explicit tags
]


@PROFILE
@given(st.text(YAML_ALPHABET, max_size=300))
def test_yaml_ish_text(project: Path, text: str) -> None:
    exercise(project, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions(project: Path, text: str) -> None:
    exercise(project, text.encode())


@PROFILE
@given(st.dictionaries(keys, structures, max_size=8), st.none() | structures)
def test_arbitrary_structures(project: Path, document: dict[str, Any], fragment: Any) -> None:
    content = yaml.safe_dump(document, allow_unicode=True).encode()
    fragment_bytes = None if fragment is None else yaml.safe_dump(fragment, allow_unicode=True).encode()
    exercise(project, content, fragment_bytes)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_paths(value, (*prefix, i)))
    return out


SAMPLE_PATHS = _paths(SAMPLE_DATA)[1:]


@st.composite
def mutated_sample(draw: st.DrawFn) -> dict[str, Any]:
    """The sample config with 1-4 values replaced, keys deleted or keys added anywhere."""
    data = copy.deepcopy(SAMPLE_DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(SAMPLE_PATHS))
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(structures)
            elif action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(keys)] = draw(structures)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or reshaped this path
    return data


@PROFILE
@given(mutated_sample())
def test_mutations_of_a_valid_config(project: Path, data: dict[str, Any]) -> None:
    exercise(project, yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode())


@PROFILE
@given(st.data())
def test_text_edits_of_a_valid_config(project: Path, data: st.DataObject) -> None:
    text = (SAMPLE / "strands.yaml").read_text()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["insert", "delete"]))
        if edit == "insert":
            text = text[:at] + data.draw(st.text(YAML_ALPHABET, min_size=1, max_size=4)) + text[at:]
        else:
            text = text[:at] + text[at + data.draw(st.integers(1, 6)) :]
    assume(text.strip())
    exercise(project, text.encode())
