"""Deterministic deployment artifacts for agents: code zip, dependencies layer, Lambda limits.

``build_agent_artifacts(spec, out_dir, cache_dir)`` writes ``<name>-code.zip`` and, when the agent has
requirements, ``<name>-layer.zip`` (``python/`` layout) into ``out_dir`` and returns their hashes:

- same files in, same bytes out (sorted entries, 1980-01-01 times, 0644/0755 modes, NFC names), so
  ``source_code_hash`` only changes when the code does;
- the layer is installed by pip for the Lambda platform (manylinux wheels, ``--python-version``,
  ``--only-binary=:all:``) and cached under ``cache_dir/layers`` by a hash of the requirements (with their
  ``-r``/``-c`` includes and local wheels), runtime, architecture and ``PACKAGING_VERSION``;
- artifacts over 50 MB zipped are flagged ``needs_s3_upload``; more than 250 MB unzipped is an error naming
  the largest packages; nothing is written to ``out_dir`` unless the whole build succeeds.
"""

from .build import build_agent_artifacts, code_zip_name, layer_zip_name
from .layer import prune_layer_cache
from .limits import DIRECT_UPLOAD_MAX_ZIPPED_BYTES, MAX_UNZIPPED_BYTES, S3_MAX_ZIPPED_BYTES
from .pip import PipResult, PipRunner, SubprocessPipRunner
from .requirements import PACKAGING_VERSION
from .spec import AgentArtifacts, Artifact, PackageSpec, PackagingError
from .tree import DEFAULT_EXCLUDES, PROTECTED_EXCLUDES

__all__ = [
    "DEFAULT_EXCLUDES",
    "DIRECT_UPLOAD_MAX_ZIPPED_BYTES",
    "MAX_UNZIPPED_BYTES",
    "PACKAGING_VERSION",
    "PROTECTED_EXCLUDES",
    "S3_MAX_ZIPPED_BYTES",
    "AgentArtifacts",
    "Artifact",
    "PackageSpec",
    "PackagingError",
    "PipResult",
    "PipRunner",
    "SubprocessPipRunner",
    "build_agent_artifacts",
    "code_zip_name",
    "layer_zip_name",
    "prune_layer_cache",
]
