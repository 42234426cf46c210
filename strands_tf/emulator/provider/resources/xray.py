"""X-Ray sampling rules on the offline target.

moto has no X-Ray sampling API, so a rule is kept as an SSM parameter of the same moto server
(`/strands-tf/emulator/xray/sampling-rules/<name>`, its JSON): it lives and dies with the emulator like
every other resource, is seen by every provider process, and can be changed out of band (drift) with
boto3's SSM client.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.resources.base import ResourceHandler, State, error_code, known
from strands_tf.emulator.provider.resources.tags import split_tags

PARAMETER_PREFIX = "/strands-tf/emulator/xray/sampling-rules/"
_FIELDS = (
    "priority",
    "fixed_rate",
    "reservoir_size",
    "service_name",
    "service_type",
    "host",
    "http_method",
    "url_path",
    "resource_arn",
    "version",
    "attributes",
)


def parameter_name(rule_name: str) -> str:
    """Where the emulator keeps a sampling rule."""
    return PARAMETER_PREFIX + rule_name


class XraySamplingRule(ResourceHandler):
    type_name = "aws_xray_sampling_rule"
    force_new = frozenset({"rule_name", "version"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("rule_name")):
            planned["id"] = config["rule_name"]
            planned["arn"] = self.aws.arn("xray", f"sampling-rule/{config['rule_name']}")

    def _put(self, state: State, *, overwrite: bool) -> None:
        rule: dict[str, Any] = {field: state.get(field) for field in _FIELDS}
        rule["tags"] = state.get("tags_all") or {}
        self.aws.client("ssm").put_parameter(
            Name=parameter_name(state["rule_name"]), Type="String", Value=json.dumps(rule, sort_keys=True),
            Overwrite=overwrite,
        )  # fmt: skip

    def create(self, planned: State, config: State) -> State:
        self._put(planned, overwrite=False)
        return self.read({**planned, "id": planned["rule_name"]}) or planned

    def read(self, state: State) -> State | None:
        name = state.get("rule_name") or state["id"]
        try:
            value = self.aws.client("ssm").get_parameter(Name=parameter_name(name))["Parameter"]["Value"]
        except ClientError as exc:
            if error_code(exc) == "ParameterNotFound":
                return None
            raise
        rule = json.loads(value)
        out: State = {"id": name, "rule_name": name, "arn": self.aws.arn("xray", f"sampling-rule/{name}")}
        for field in _FIELDS:
            out[field] = rule.get(field)
        if out["attributes"] is None and state.get("attributes") is not None:
            out["attributes"] = {}
        out["tags"], out["tags_all"] = split_tags(rule.get("tags") or {}, self.aws.default_tags, state.get("tags"))
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned, overwrite=True)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("ssm").delete_parameter(Name=parameter_name(state["id"]))
        except ClientError as exc:
            if error_code(exc) != "ParameterNotFound":
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "rule_name": import_id}
