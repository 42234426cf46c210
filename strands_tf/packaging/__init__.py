"""Deterministic deployment artifacts for agents: code zip, dependencies layer, Lambda limits."""

from .build import build_agent_artifacts, code_zip_name, layer_zip_name
from .layer import prune_layer_cache
from .limits import DIRECT_UPLOAD_MAX_ZIPPED_BYTES, MAX_UNZIPPED_BYTES, S3_MAX_ZIPPED_BYTES
from .pip import PipResult, PipRunner, SubprocessPipRunner
from .requirements import PACKAGING_VERSION
from .spec import AgentArtifacts, Artifact, PackageSpec, PackagingError
from .tree import DEFAULT_EXCLUDES

__all__ = [
    "DEFAULT_EXCLUDES",
    "DIRECT_UPLOAD_MAX_ZIPPED_BYTES",
    "MAX_UNZIPPED_BYTES",
    "PACKAGING_VERSION",
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
