"""CloudWatch metric alarms and dashboards."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.documents import json_equivalent
from strands_tf.emulator.provider.resources.base import (
    ResourceHandler,
    State,
    first,
    is_not_found,
    known,
)
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list

_SCALARS = {
    "alarm_description": "AlarmDescription",
    "comparison_operator": "ComparisonOperator",
    "datapoints_to_alarm": "DatapointsToAlarm",
    "evaluation_periods": "EvaluationPeriods",
    "extended_statistic": "ExtendedStatistic",
    "metric_name": "MetricName",
    "namespace": "Namespace",
    "period": "Period",
    "statistic": "Statistic",
    "threshold": "Threshold",
    "threshold_metric_id": "ThresholdMetricId",
    "treat_missing_data": "TreatMissingData",
    "unit": "Unit",
    "evaluate_low_sample_count_percentiles": "EvaluateLowSampleCountPercentile",
}
_ACTIONS = {
    "alarm_actions": "AlarmActions",
    "ok_actions": "OKActions",
    "insufficient_data_actions": "InsufficientDataActions",
}


def _query_api(q: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": q["id"]}
    for tf, api in (("expression", "Expression"), ("label", "Label"), ("account_id", "AccountId")):
        if q.get(tf):
            out[api] = q[tf]
    if q.get("period"):
        out["Period"] = int(q["period"])
    if q.get("return_data") is not None:
        out["ReturnData"] = bool(q["return_data"])
    metric = first(q.get("metric"))
    if metric:
        stat: dict[str, Any] = {
            "Metric": {
                "MetricName": metric["metric_name"],
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted((metric.get("dimensions") or {}).items())],
            },
            "Period": int(metric["period"]),
            "Stat": metric["stat"],
        }
        if metric.get("namespace"):
            stat["Metric"]["Namespace"] = metric["namespace"]
        if metric.get("unit"):
            stat["Unit"] = metric["unit"]
        out["MetricStat"] = stat
    return out


class MetricAlarm(ResourceHandler):
    type_name = "aws_cloudwatch_metric_alarm"
    force_new = frozenset({"alarm_name"})
    defaults = {"actions_enabled": True, "treat_missing_data": "missing"}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("alarm_name")):
            planned["id"] = config["alarm_name"]

    def _put(self, s: State) -> None:
        kwargs: dict[str, Any] = {"AlarmName": s["alarm_name"], "ActionsEnabled": bool(s.get("actions_enabled", True))}
        for tf, api in _SCALARS.items():
            value = s.get(tf)
            if known(value) and value not in (None, ""):
                kwargs[api] = int(value) if api in ("DatapointsToAlarm", "EvaluationPeriods", "Period") else value
        for tf, api in _ACTIONS.items():
            if s.get(tf):
                kwargs[api] = sorted(s[tf])
        if s.get("dimensions"):
            kwargs["Dimensions"] = [{"Name": k, "Value": v} for k, v in sorted(s["dimensions"].items())]
        if s.get("metric_query"):
            kwargs["Metrics"] = [_query_api(q) for q in s["metric_query"]]
        if s.get("tags_all"):
            kwargs["Tags"] = tag_list(s["tags_all"])
        self.aws.client("cloudwatch").put_metric_alarm(**kwargs)

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": planned["alarm_name"]}) or planned

    def read(self, state: State) -> State | None:
        cw = self.aws.client("cloudwatch")
        name = state.get("alarm_name") or state["id"]
        try:
            alarms = cw.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        if not alarms:
            return None
        alarm = alarms[0]
        out: State = {"id": name, "alarm_name": name, "arn": alarm["AlarmArn"]}
        out["actions_enabled"] = bool(alarm.get("ActionsEnabled", True))
        for tf, api in _SCALARS.items():
            value = alarm.get(api)
            out[tf] = value if value not in (None, "") else state.get(tf)
        for tf, api in _ACTIONS.items():
            out[tf] = alarm.get(api) or ([] if state.get(tf) is not None else None)
        dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        out["dimensions"] = dims or (None if state.get("dimensions") is None else {})
        tags = tags_from_list(cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", []))
        out["tags"], out["tags_all"] = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        cw = self.aws.client("cloudwatch")
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        removed = [k for k in old if k not in new]
        if removed:
            cw.untag_resource(ResourceARN=prior["arn"], TagKeys=removed)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("cloudwatch").delete_alarms(AlarmNames=[state["id"]])
        except ClientError as exc:
            if not is_not_found(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "alarm_name": import_id}


class Dashboard(ResourceHandler):
    type_name = "aws_cloudwatch_dashboard"
    force_new = frozenset({"dashboard_name"})
    json_attrs = frozenset({"dashboard_body"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("dashboard_name")):
            planned["id"] = config["dashboard_name"]

    def create(self, planned: State, config: State) -> State:
        self.aws.client("cloudwatch").put_dashboard(
            DashboardName=planned["dashboard_name"], DashboardBody=planned["dashboard_body"]
        )
        return self.read({**planned, "id": planned["dashboard_name"]}) or planned

    def read(self, state: State) -> State | None:
        name = state.get("dashboard_name") or state["id"]
        try:
            found = self.aws.client("cloudwatch").get_dashboard(DashboardName=name)
        except ClientError as exc:
            if is_not_found(exc, "ResourceNotFound"):
                return None
            raise
        body = found.get("DashboardBody", "")
        # keep the configuration's text when CloudWatch holds the same document (key order, spacing)
        if json_equivalent(state.get("dashboard_body"), body):
            body = state["dashboard_body"]
        return {
            "id": name,
            "dashboard_name": name,
            "dashboard_arn": found.get("DashboardArn", ""),
            "dashboard_body": body,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        return self.create(planned, config)

    def delete(self, state: State) -> None:
        try:
            self.aws.client("cloudwatch").delete_dashboards(DashboardNames=[state["id"]])
        except ClientError as exc:
            if not is_not_found(exc, "ResourceNotFound"):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "dashboard_name": import_id}
