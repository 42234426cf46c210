"""The JSON Schema of strands.yaml (`strands schema`): complete, and it agrees with the loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from strands_tf.config import models
from strands_tf.config.schema import project_json_schema
from strands_tf.scaffold import TEMPLATES, render_template

SAMPLE = Path(__file__).parent / "data" / "sample" / "strands.yaml"
MODELS = [
    obj
    for obj in vars(models).values()
    if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == models.__name__
]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = project_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_described(model: type[BaseModel]) -> None:
    missing = [name for name, field in model.model_fields.items() if not field.description]
    assert missing == [], f"{model.__name__} fields without a description: {missing}"


def test_schema_header() -> None:
    schema = project_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://strands-tf.dev/schema/strands.yaml.json"
    assert schema["required"] == ["version", "project"]
    assert schema["additionalProperties"] is False


def project_documents() -> dict[str, Any]:
    """The sample and every template's strands.yaml, with monorepo fragments folded in as the loader does."""
    docs: dict[str, Any] = {"sample": yaml.safe_load(SAMPLE.read_text())}
    for template in TEMPLATES:
        files = render_template(template, "demo-project")
        doc = yaml.safe_load(files["strands.yaml"])
        for rel, content in files.items():
            if rel.endswith("/agent.yaml"):
                agent = rel.split("/")[1]
                doc.setdefault("agents", {})[agent] = {"path": f"agents/{agent}", **yaml.safe_load(content)}
        docs[template] = doc
    return docs


@pytest.mark.parametrize("name", sorted(project_documents()))
def test_valid_documents_pass_the_schema(name: str, validator: jsonschema.Draft202012Validator) -> None:
    """Editors using the schema must not flag what strands accepts (dead_letter: true, numeric tag values)."""
    doc = project_documents()[name]
    doc.setdefault("tags", {})["cost-center"] = 4411
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"agents": {"a": {"path": "a", "memory": 100000}}}, ["agents", "a", "memory"]),
        ({"agents": {"a": {"path": "a", "memroy": 512}}}, ["agents", "a"]),
        ({"resources": {"t": {"type": "s4"}}}, ["resources", "t"]),
        ({"environments": {"dev": {"account": "12345"}}}, ["environments", "dev", "account"]),
        ({"defaults": {"runtime": "python3.9"}}, ["defaults", "runtime"]),
    ],
)
def test_invalid_documents_fail_the_schema(
    change: dict[str, Any], path: list[str], validator: jsonschema.Draft202012Validator
) -> None:
    doc = {"version": 1, "project": "demo-project", **change}
    errors = list(validator.iter_errors(doc))
    assert errors
    assert any(list(e.absolute_path)[: len(path)] == path for e in errors)
