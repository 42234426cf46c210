"""Property tests: any tree zips to the same bytes twice, and the zip holds exactly the tree's content."""

from __future__ import annotations

import os
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strands_tf.packaging import PackageSpec, build_agent_artifacts

segment = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_é"),
    min_size=1,
    max_size=8,
).filter(lambda s: s not in {"tests", "cdktf.out"} and s == unicodedata.normalize("NFC", s))
paths = st.lists(segment, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + ".py")
trees = st.dictionaries(paths, st.binary(max_size=2000), min_size=1, max_size=12)


def materialize(root: Path, tree: dict[str, bytes], *, reverse: bool) -> bool:
    """Write ``tree`` under ``root``; False when a path is both a file and a directory (skip that example)."""
    for rel in sorted(tree, reverse=reverse):
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tree[rel])
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees, exec_bits=st.integers(min_value=0, max_value=2**12))
def test_any_tree_zips_deterministically_and_completely(tree: dict[str, bytes], exec_bits: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        one, two = base / "one", base / "two"
        if not materialize(one, tree, reverse=False) or not materialize(two, tree, reverse=True):
            return
        for i, rel in enumerate(sorted(tree)):
            mode = 0o755 if exec_bits >> (i % 12) & 1 else 0o644
            (one / rel).chmod(mode)
            (two / rel).chmod(mode)
            os.utime(two / rel, (1_000_000 + i, 1_000_000 + i))
        a = build_agent_artifacts(PackageSpec("a", one, "python3.12", "arm64", None), base / "o1", base / "c")
        b = build_agent_artifacts(PackageSpec("a", two, "python3.12", "arm64", None), base / "o2", base / "c")
        assert a.code.path.read_bytes() == b.code.path.read_bytes()
        with zipfile.ZipFile(a.code.path) as zf:
            files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
            names = zf.namelist()
        assert files == {k.replace(os.sep, "/"): v for k, v in tree.items()}
        assert names == sorted(names)
