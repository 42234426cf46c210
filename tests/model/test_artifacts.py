"""The artifacts bucket: in the graph exactly when an agent's packages go through S3, wired into those agents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strands_tf.errors import ConfigError
from strands_tf.generators.stacks import partition, unresolved_references
from strands_tf.generators.synth import element_locations, modules_root, synthesize
from strands_tf.model.artifacts import ARTIFACTS_NODE
from strands_tf.model.build import AgentCode, BuildOptions, build_graph
from strands_tf.model.graph import InfraGraph
from strands_tf.packaging.spec import AgentArtifacts, Artifact
from strands_tf.schema.check import check_json_document
from strands_tf.schema.modules import check_module_call, module_interface

from .conftest import load, write_project

BUCKET = "demo-dev-artifacts-${data.aws_caller_identity.caller.account_id}"
BUCKET_REF = "${module.artifacts.bucket_name}"
MB = 1024 * 1024


def _code(name: str, *, store_on_s3: bool = False) -> AgentCode:
    return AgentCode(f"assets/{name}-code.zip", "aGFzaA==", store_on_s3=store_on_s3)


def _graph(resolved: Any, code: dict[str, AgentCode] | None = None, loaded: Any = None) -> InfraGraph:
    locations = element_locations(loaded) if loaded is not None else {}
    return build_graph(resolved, BuildOptions(code=code or {}, locations=locations))


def _s3_wired(graph: InfraGraph) -> list[str]:
    return sorted(
        n.owner.name
        for n in graph.nodes.values()
        if n.module == "strands-agent" and n.body.get("store_on_s3") is True and n.body.get("s3_bucket") == BUCKET_REF
    )


def test_no_bucket_when_every_package_uploads_directly(make_project: Any) -> None:
    _, resolved = make_project({"a": {}, "b": {"package_upload": "auto"}})
    for code in ({}, {"a": _code("a"), "b": _code("b")}):
        graph = _graph(resolved, code)
        assert ARTIFACTS_NODE not in graph.nodes
        assert "artifacts_bucket_name" not in graph.outputs
        for node in graph.nodes.values():
            assert "store_on_s3" not in node.body and "s3_bucket" not in node.body


def test_auto_mode_uses_the_bucket_for_the_agent_over_the_limit_only(make_project: Any) -> None:
    _, resolved = make_project({"big": {}, "small": {}})
    graph = _graph(resolved, {"big": _code("big", store_on_s3=True), "small": _code("small")})
    assert _s3_wired(graph) == ["big"]
    bucket = graph.nodes[ARTIFACTS_NODE]
    assert (bucket.module, bucket.group, bucket.owner.kind) == ("s3-bucket", "shared", "project")
    assert bucket.body == {
        "bucket": BUCKET,
        "versioning": True,
        "force_destroy": True,
        "noncurrent_version_expiration_days": 30,
        "tags": {"strands:purpose": "agent-packages"},
    }
    assert graph.outputs["artifacts_bucket_name"].value == BUCKET_REF
    assert graph.dependencies("agent_big") >= {ARTIFACTS_NODE}
    # the local zip stays the source of the upload
    assert graph.nodes["agent_big"].body["filename"] == "assets/big-code.zip"


@pytest.mark.parametrize("where", ["defaults", "agent"])
def test_package_upload_s3_forces_the_bucket(make_project: Any, where: str) -> None:
    if where == "defaults":
        _, resolved = make_project({"a": {}, "b": {}}, defaults={"package_upload": "s3"})
        expected = ["a", "b"]
    else:
        _, resolved = make_project({"a": {"package_upload": "s3"}, "b": {}})
        expected = ["a"]
    graph = _graph(resolved, {"a": _code("a"), "b": _code("b")})
    assert _s3_wired(graph) == expected
    assert graph.nodes[ARTIFACTS_NODE].body["bucket"] == BUCKET


def test_environment_override_sets_package_upload_for_one_environment(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {"a": {}, "b": {}},
        environments={
            "dev": {"account": "123456789012"},
            "prod": {"account": "210987654321", "overrides": {"agents": {"a": {"package_upload": "s3"}}}},
        },
    )
    _, dev = load(root, "dev")
    _, prod = load(root, "prod")
    assert (dev.agents["a"].package_upload, prod.agents["a"].package_upload) == ("auto", "s3")
    assert ARTIFACTS_NODE not in _graph(dev).nodes
    prod_graph = _graph(prod)
    assert _s3_wired(prod_graph) == ["a"]
    assert prod_graph.nodes[ARTIFACTS_NODE].body["bucket"] == BUCKET.replace("demo-dev-", "demo-prod-")


def test_an_override_can_turn_s3_back_to_auto(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {"a": {}},
        defaults={"package_upload": "s3"},
        environments={"dev": {"account": "123456789012", "overrides": {"defaults": {"package_upload": "auto"}}}},
    )
    _, resolved = load(root, "dev")
    assert ARTIFACTS_NODE not in _graph(resolved, {"a": _code("a")}).nodes


def test_bad_package_upload_value_is_a_located_config_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"a": {"package_upload": "ftp"}})
    with pytest.raises(ConfigError) as info:
        load(root)
    (issue,) = info.value.issues
    assert issue.file.endswith("strands.yaml") and issue.line is not None
    assert issue.path == "agents.a.package_upload" and issue.message.endswith("expected one of: auto, s3")


def test_no_package_still_renders_the_s3_wiring_for_package_upload_s3(make_project: Any) -> None:
    """Without packaging there is no filename (as on the direct path) but the bucket and wiring are the same."""
    _, resolved = make_project({"forced": {"package_upload": "s3"}, "auto": {}})
    graph = _graph(resolved)
    assert _s3_wired(graph) == ["forced"]
    assert "filename" not in graph.nodes["agent_forced"].body
    assert ARTIFACTS_NODE in graph.nodes


def test_a_resource_bucket_with_the_artifacts_name_is_a_located_error(make_project: Any) -> None:
    loaded, resolved = make_project({"a": {"package_upload": "s3"}}, {"artifacts": {"type": "s3"}})
    with pytest.raises(ConfigError) as info:
        _graph(resolved, loaded=loaded)
    (issue,) = info.value.issues
    assert issue.file.endswith("strands.yaml") and issue.line is not None
    assert issue.path == "resources.artifacts"
    assert "'a'" in issue.message and "bucket_name" in (issue.hint or "")
    # with a bucket name of its own the resource is fine
    loaded, resolved = make_project(
        {"a": {"package_upload": "s3"}}, {"artifacts": {"type": "s3", "bucket_name": "my-artifacts-bucket"}}
    )
    assert ARTIFACTS_NODE in _graph(resolved, loaded=loaded).nodes


def test_the_agent_module_call_matches_the_module_interface(make_project: Any) -> None:
    _, resolved = make_project({"a": {"package_upload": "s3"}})
    graph = _graph(resolved, {"a": _code("a")})
    for node_id, module in (("agent_a", "strands-agent"), (ARTIFACTS_NODE, "s3-bucket")):
        interface = module_interface(modules_root() / module)
        body = {"source": f"./modules/{module}", **graph.nodes[node_id].body}
        assert check_module_call(interface, body, where=f"module.{node_id}") == []


def test_per_agent_stacks_read_the_bucket_from_the_shared_stack(make_project: Any) -> None:
    _, resolved = make_project({"big": {"package_upload": "s3"}, "small": {}}, stacks="per_agent")
    stacks = {
        s.name: s for s in partition(_graph(resolved, {"big": _code("big"), "small": _code("small")}), "per_agent")
    }
    assert sorted(stacks) == ["demo-dev", "demo-dev-big", "demo-dev-small"]
    assert ARTIFACTS_NODE in stacks["demo-dev"].nodes
    big = stacks["demo-dev-big"]
    assert big.nodes["agent_big"].body["s3_bucket"] == (
        "${data.terraform_remote_state.cross-stack-reference-input-demo-dev.outputs."
        "cross-stack-output-moduleartifactsbucket_name}"
    )
    assert big.dependencies == ["demo-dev"]
    assert "cross-stack-output-moduleartifactsbucket_name" in stacks["demo-dev"].outputs
    assert "artifacts_bucket_name" in stacks["demo-dev"].outputs
    for stack in stacks.values():
        assert unresolved_references(stack) == []
    assert "s3_bucket" not in stacks["demo-dev-small"].nodes["agent_small"].body


def test_synth_per_agent_writes_the_remote_state_wiring_and_a_valid_document(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"big": {"package_upload": "s3"}, "small": {}}, stacks="per_agent")
    loaded, resolved = load(root)
    result = synthesize(loaded, resolved, root / "cdktf.out", packager=None)
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    assert manifest["stacks"]["demo-dev-big"]["dependencies"] == ["demo-dev"]
    shared = json.loads((result.out_dir / "stacks" / "demo-dev" / "cdk.tf.json").read_text())
    big = json.loads((result.out_dir / "stacks" / "demo-dev-big" / "cdk.tf.json").read_text())
    assert shared["module"]["artifacts"]["source"] == "./modules/s3-bucket"
    assert "cross-stack-reference-input-demo-dev" in big["data"]["terraform_remote_state"]
    assert big["module"]["agent_big"]["store_on_s3"] is True
    for doc, name in ((shared, "demo-dev"), (big, "demo-dev-big")):
        assert check_json_document(doc, source=name) == []


# --- package_agents: the size decides in auto mode ----------------------------------------------------


def _artifacts(tmp_path: Path, name: str, code_size: int, layer_size: int | None) -> AgentArtifacts:
    def artifact(kind: str, size: int) -> Artifact:
        path = tmp_path / f"{name}-{kind}.zip"
        path.write_bytes(b"zip")
        return Artifact(path, "00", "aGFzaA==", size, size)

    layer = artifact("deps", layer_size) if layer_size is not None else None
    return AgentArtifacts(artifact("code", code_size), layer)


@pytest.mark.parametrize(
    "upload, code_size, layer_size, expected",
    [
        ("auto", 1 * MB, None, False),
        ("auto", 50 * MB, 50 * MB, False),  # at the limit still fits a direct upload
        ("auto", 50 * MB + 1, None, True),
        ("auto", 1 * MB, 60 * MB, True),  # a large layer moves the agent to S3 too
        ("s3", 1 * MB, None, True),
    ],
)
def test_package_agents_sets_store_on_s3_from_the_size_or_the_setting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    upload: str,
    code_size: int,
    layer_size: int | None,
    expected: bool,
) -> None:
    import strands_tf.packaging as packaging
    from strands_tf.generators.synth import package_agents

    root = write_project(tmp_path / "p", {"a": {"package_upload": upload}})
    loaded, resolved = load(root)
    monkeypatch.setattr(
        packaging, "build_agent_artifacts", lambda spec, *_: _artifacts(tmp_path, spec.name, code_size, layer_size)
    )
    code = package_agents(resolved, loaded, tmp_path / "assets")
    assert code["a"].store_on_s3 is expected
    assert code["a"].filename == "assets/a-code.zip"
    assert (code["a"].layer_filename is not None) is (layer_size is not None)


def test_strands_tag_keys_are_the_default_tags_strands_tf_sets() -> None:
    from strands_tf.generators.cdktf import RenderContext, default_tags
    from strands_tf.model.artifacts import STRANDS_TAG_KEYS

    class _Project:
        project = "demo"
        environment = type("Env", (), {"name": "dev"})()
        tags: dict[str, str] = {}

    assert set(default_tags(RenderContext(_Project(), "1.0"))) == STRANDS_TAG_KEYS  # type: ignore[arg-type]


def test_more_default_tags_than_an_s3_object_takes_is_a_located_error(make_project: Any) -> None:
    tags = {f"t{i}": "v" for i in range(7)}  # 7 + strands-tf's 4 = 11 > 10
    loaded, resolved = make_project({"a": {"package_upload": "s3"}, "b": {}}, tags=tags)
    with pytest.raises(ConfigError) as info:
        _graph(resolved, loaded=loaded)
    (issue,) = info.value.issues
    assert issue.file.endswith("strands.yaml") and issue.line is not None and issue.path == "agents.a"
    assert "agent 'a' deploys through S3" in issue.message and "gets 11 (4 from strands-tf, 7 from tags:)" in (
        issue.message
    )
    assert "at most 6 keys" in (issue.hint or "")
    # six of them fit; and without S3 uploads the count does not matter
    _, resolved = make_project({"a": {"package_upload": "s3"}}, tags=dict(list(tags.items())[:6]))
    assert ARTIFACTS_NODE in _graph(resolved).nodes
    _, resolved = make_project({"a": {}}, tags=tags)
    assert ARTIFACTS_NODE not in _graph(resolved).nodes
