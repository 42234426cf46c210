"""Agent packages through the artifacts bucket: the HCL export says what the JSON stacks say, and the golden
files of configurations that need no S3 upload stay as they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.generators.export import package_into_export
from strands_tf.generators.synth import package_agents

from .conftest import GOLDEN, synth, tree_bytes
from .test_hcl_equivalence import assert_equivalent


def _packages_in_s3(sample: Path, *, per_agent: bool = False) -> None:
    config = sample / "strands.yaml"
    text = config.read_text().replace("defaults: {", "defaults: {package_upload: s3, ", 1)
    if per_agent:
        text = text.replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    config.write_text(text)


@pytest.mark.parametrize("per_agent", [False, True], ids=["single", "per_agent"])
def test_s3_upload_export_equals_the_json_stacks(sample: Path, per_agent: bool) -> None:
    _packages_in_s3(sample, per_agent=per_agent)
    synth(sample, "dev", hcl=sample / "infra", package=True)
    assert assert_equivalent(sample / "cdktf.out", sample / "infra") == (4 if per_agent else 1)
    exported = "\n".join(p.read_text() for p in (sample / "infra").rglob("*.tf") if "modules" not in p.parts)
    assert 'module "artifacts"' in exported and len(re.findall(r"store_on_s3\s*=\s*true", exported)) == 2
    if not per_agent:
        # the export holds no zips; the package step puts them where `source` finds them
        doc = json.loads((sample / "cdktf.out" / "stacks" / "support-desk-dev" / "cdk.tf.json").read_text())
        assert not (sample / "infra" / "assets").exists()
        loaded = load_project(sample, env={})
        package_into_export(loaded, resolve(loaded, "dev", environ={}), sample / "infra", package_agents)
        for agent in ("agent_support", "agent_triage"):
            assert (sample / "infra" / doc["module"][agent]["filename"]).is_file()


def test_configs_without_s3_upload_keep_their_golden_files(sample: Path) -> None:
    """The default (auto, small zips) adds no bucket: the committed golden stack is unchanged."""
    synth(sample, "dev", package=True)
    generated = (sample / "cdktf.out" / "stacks" / "support-desk-dev" / "cdk.tf.json").read_text()
    golden = GOLDEN / "dev" / "cdktf.out" / "stacks" / "support-desk-dev" / "cdk.tf.json"
    doc, expected = json.loads(generated), json.loads(golden.read_text())
    assert "artifacts" not in doc["module"] and "artifacts_bucket_name" not in doc.get("output", {})
    # packaging adds the code paths and hashes; everything else is the golden stack
    for agent in ("agent_support", "agent_triage"):
        for key in ("filename", "source_code_hash"):
            doc["module"][agent].pop(key)
    assert doc == expected
    assert not any(b"store_on_s3" in content for content in tree_bytes(GOLDEN).values())
