"""JSON Schema of strands.yaml, from the pydantic models."""

from __future__ import annotations

from typing import Any

from strands_tf.config.models import ProjectConfig


def project_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of strands.yaml, including agent fragments' fields under agents."""
    schema = ProjectConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
