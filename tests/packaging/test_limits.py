"""Lambda quotas: the S3 flag over 50 MB zipped, the 250 MB unzipped error listing the largest packages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from strands_tf.errors import Category, StrandsError
from strands_tf.packaging import (
    DIRECT_UPLOAD_MAX_ZIPPED_BYTES,
    MAX_UNZIPPED_BYTES,
    S3_MAX_ZIPPED_BYTES,
    build_agent_artifacts,
)
from strands_tf.packaging.limits import check_zipped

MIB = 1024 * 1024


def sparse(path: Path, size: int) -> Path:
    """A file with a large size and no data on disk: cheap to make, counted in full by the size checks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def test_thresholds_are_the_documented_lambda_quotas() -> None:
    assert DIRECT_UPLOAD_MAX_ZIPPED_BYTES == 50 * MIB
    assert MAX_UNZIPPED_BYTES == 250 * MIB
    assert S3_MAX_ZIPPED_BYTES == 250 * MIB


def test_small_agent_uploads_directly(h, agent_dir: Path, tmp_path: Path, fake_pip) -> None:
    art = build_agent_artifacts(
        h.spec_for(agent_dir, requirements=agent_dir / "requirements.txt"),
        tmp_path / "out",
        tmp_path / "c",
        pip=fake_pip,
    )
    assert not art.needs_s3_upload and not art.code.needs_s3_upload
    assert art.layer is not None and not art.layer.needs_s3_upload
    assert art.zipped_size == art.code.size + art.layer.size
    assert art.unzipped_size == art.code.unzipped_size + art.layer.unzipped_size


def test_code_zip_over_50_mb_is_flagged_for_s3_not_refused(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    # incompressible, so the zip really is over the limit
    h.write(src / "model/weights.bin", os.urandom(DIRECT_UPLOAD_MAX_ZIPPED_BYTES + MIB))
    art = build_agent_artifacts(h.spec_for(src), tmp_path / "out", tmp_path / "cache")
    assert art.code.size > DIRECT_UPLOAD_MAX_ZIPPED_BYTES
    assert art.code.needs_s3_upload and art.needs_s3_upload
    assert art.code.path.stat().st_size == art.code.size


def test_code_over_250_mb_unzipped_is_refused_before_zipping(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    sparse(src / "data/corpus.bin", 200 * MIB)
    sparse(src / "models/small.bin", 60 * MIB)
    with pytest.raises(StrandsError) as err:
        build_agent_artifacts(h.spec_for(src), tmp_path / "out", tmp_path / "cache")
    e = err.value
    assert e.category is Category.CONFIGURATION
    assert "260.0 MB unzipped" in e.summary and "250.0 MB" in e.summary
    lines = (e.detail or "").splitlines()
    assert lines[0] == "Largest packages:"
    assert "code: data/" in lines[1] and "200.0 MB" in lines[1]
    assert "code: models/" in lines[2] and "60.0 MB" in lines[2]
    assert "`exclude:`" in (e.hint or "") and "container image" not in (e.hint or "")  # strands deploys zips
    assert not (tmp_path / "out").exists()


def test_layer_over_250_mb_lists_largest_packages_sorted(h, agent_dir: Path, tmp_path: Path) -> None:
    pip = h.FakePip(
        packages={
            "numpy": {"core.so": 40 * MIB},
            "torch": {"lib/libtorch.so": 180 * MIB, "__init__.py": b"x"},
            "scipy": {"linalg.so": 35 * MIB},
            "six": {"__init__.py": b"x"},
        }
    )
    with pytest.raises(StrandsError) as err:
        build_agent_artifacts(
            h.spec_for(agent_dir, requirements=agent_dir / "requirements.txt"),
            tmp_path / "out",
            tmp_path / "cache",
            pip=pip,
        )
    detail = (err.value.detail or "").splitlines()[1:]
    assert [line.split()[1] for line in detail[:3]] == ["python/torch/", "python/numpy/", "python/scipy/"]
    assert "180.0 MB" in detail[0]
    assert err.value.data["unzipped_size"] > MAX_UNZIPPED_BYTES
    assert not (tmp_path / "out").exists()
    assert list((tmp_path / "cache/layers").glob("*.zip")) == []


def test_code_and_layer_together_over_250_mb_name_both(h, tmp_path: Path) -> None:
    src = tmp_path / "src"
    h.write(src / "app.py", "x")
    h.write(src / "requirements.txt", "torch\n")
    sparse(src / "data/index.bin", 200 * MIB)
    pip = h.FakePip(packages={"torch": {"lib.so": 40 * MIB}, "numpy": {"core.so": 15 * MIB}})
    out = tmp_path / "out"
    h.write(out / "src-code.zip", b"previous complete artifact")
    with pytest.raises(StrandsError) as err:
        build_agent_artifacts(
            h.spec_for(src, name="src", requirements=src / "requirements.txt"), out, tmp_path / "cache", pip=pip
        )
    detail = err.value.detail or ""
    assert detail.index("code: data/") < detail.index("layer: python/torch/") < detail.index("layer: python/numpy/")
    # nothing new written; the previous artifact untouched
    assert sorted(p.name for p in out.iterdir()) == ["src-code.zip"]
    assert (out / "src-code.zip").read_bytes() == b"previous complete artifact"


def test_zip_over_the_s3_hard_limit_is_refused() -> None:
    check_zipped("a", "code", S3_MAX_ZIPPED_BYTES)
    with pytest.raises(StrandsError, match="even from S3") as err:
        check_zipped("a", "layer", S3_MAX_ZIPPED_BYTES + 1)
    assert err.value.category is Category.CONFIGURATION
