"""The AWS regions strands knows, from botocore's own partition data (offline), and what to say about others.

botocore ships `data/partitions.json` (every partition's regions) and `data/endpoints.json`; both are read
as plain JSON files, without importing botocore (its import costs more than a whole `strands validate`).
A region newer than the installed botocore is not in them: `allow_unknown_region: true` lets it through.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from typing import Any

from strands_tf.config import messages

# partition pseudo-regions (`aws-global`, `aws-cn-global`): endpoints, not places to deploy to
_PSEUDO_SUFFIX = "-global"


def _botocore_data_dir() -> str | None:
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return None
    return os.path.join(os.path.dirname(spec.origin), "data")


def _load_data(directory: str, name: str) -> Any:
    """One of botocore's top-level data files (`partitions`, `endpoints`), plain or gzipped; None if absent."""
    for suffix in (".json", ".json.gz"):
        path = os.path.join(directory, name + suffix)
        try:
            if suffix == ".json":
                with open(path, "rb") as fh:
                    return json.load(fh)
            import gzip  # some distributions compress botocore's data

            with gzip.open(path, "rb") as gz:
                return json.load(gz)
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return None
    return None


def _regions_of(doc: Any) -> set[str]:
    out: set[str] = set()
    partitions = doc.get("partitions") if isinstance(doc, dict) else None
    for partition in partitions if isinstance(partitions, list) else []:
        regions = partition.get("regions") if isinstance(partition, dict) else None
        if isinstance(regions, dict):
            out.update(name for name in regions if isinstance(name, str) and not name.endswith(_PSEUDO_SUFFIX))
    return out


@functools.cache
def _partitions_regions() -> frozenset[str]:
    directory = _botocore_data_dir()
    return frozenset(_regions_of(_load_data(directory, "partitions"))) if directory else frozenset()


@functools.cache
def _endpoints_regions() -> frozenset[str]:
    # 1.2 MB: read only when partitions.json does not know a region (older botocore had no partitions.json)
    directory = _botocore_data_dir()
    return frozenset(_regions_of(_load_data(directory, "endpoints"))) if directory else frozenset()


def known_regions() -> frozenset[str]:
    """Every region of every partition botocore knows (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc...)."""
    return _partitions_regions() | _endpoints_regions()


def is_known_region(name: str) -> bool:
    """True when botocore's partition data lists `name` (cheap for known regions: a 7 KB file, read once)."""
    return name in _partitions_regions() or name in _endpoints_regions()


def region_hint(name: str, *, escape: bool = True) -> str | None:
    """`did you mean 'eu-west-1'?`, or the known regions with the same prefix; plus the escape for new regions."""
    known = sorted(known_regions())
    # the usual slips first: `us_east_1`, `US-EAST-1`, `us-east` (no number); then any close name
    normal = name.strip().lower().replace("_", "-").replace(" ", "-")
    guess = next((c for c in (normal, f"{normal}-1") if c in known_regions()), None) or messages.suggest(name, known)
    if guess:
        hint = f"did you mean '{guess}'?"
    else:
        # same prefix and shape: `us-middle-9` lists us-east-1 ... us-west-2, not the us-gov/us-iso partitions
        parts = name.split("-")
        family = [r for r in known if r.split("-")[0] == parts[0] and r.count("-") == name.count("-")]
        hint = f"known {parts[0]}-* regions: {', '.join(family)}." if family else "for example us-east-1 or eu-west-1."
    if escape:
        hint += " If it is a real region too new for the installed botocore, set allow_unknown_region: true."
    return hint
