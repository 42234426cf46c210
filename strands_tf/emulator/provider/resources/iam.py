"""IAM roles, inline and managed policies, attachments, and the policy document data source."""

from __future__ import annotations

import json
import urllib.parse
import zlib
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.documents import policies_equivalent
from strands_tf.emulator.provider.resources.base import (
    DataSourceHandler,
    ProviderFailure,
    ResourceHandler,
    State,
    error_code,
    is_not_found,
    known,
)
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list


def policy_text(doc: Any) -> str:
    """IAM returns documents URL-encoded (raw API) or decoded (boto3); give back JSON text."""
    if isinstance(doc, str):
        text = urllib.parse.unquote(doc) if doc.lstrip().startswith("%") else doc
        return text
    return json.dumps(doc)


def rfc3339(value: Any) -> str:
    """A timestamp as the provider records it (RFC 3339, UTC)."""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _missing(exc: Exception) -> bool:
    return is_not_found(exc, "NoSuchEntity")


class IamRole(ResourceHandler):
    type_name = "aws_iam_role"
    force_new = frozenset({"name", "name_prefix", "path"})
    policy_attrs = frozenset({"assume_role_policy"})
    defaults = {"path": "/", "max_session_duration": 3600, "force_detach_policies": False}
    computed_blocks = frozenset({"inline_policy"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("name")):
            planned["id"] = config["name"]

    def create(self, planned: State, config: State) -> State:
        iam = self.aws.client("iam")
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        kwargs: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": planned["assume_role_policy"],
            "Path": planned.get("path") or "/",
            "MaxSessionDuration": int(planned.get("max_session_duration") or 3600),
        }
        if planned.get("description"):
            kwargs["Description"] = planned["description"]
        if planned.get("permissions_boundary"):
            kwargs["PermissionsBoundary"] = planned["permissions_boundary"]
        if planned.get("tags_all"):
            kwargs["Tags"] = tag_list(planned["tags_all"])
        try:
            iam.create_role(**kwargs)
        except ClientError as exc:
            raise ProviderFailure(
                f"creating IAM Role ({name}): {error_code(exc)}", exc.response["Error"].get("Message", "")
            ) from exc
        state = {**planned, "id": name, "name": name}
        for item in planned.get("inline_policy") or []:
            if item.get("name") and item.get("policy"):
                iam.put_role_policy(RoleName=name, PolicyName=item["name"], PolicyDocument=item["policy"])
        for arn in planned.get("managed_policy_arns") or [] if known(planned.get("managed_policy_arns")) else []:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        return self.read(state) or state

    def read(self, state: State) -> State | None:
        iam = self.aws.client("iam")
        name = state.get("name") or state["id"]
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        all_tags = tags_from_list(role.get("Tags", []))
        tags, tags_all = split_tags(all_tags, self.aws.default_tags, state.get("tags"))
        inline = []
        for pname in iam.list_role_policies(RoleName=name).get("PolicyNames", []):
            doc = iam.get_role_policy(RoleName=name, PolicyName=pname)["PolicyDocument"]
            inline.append({"name": pname, "policy": policy_text(doc)})
        attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", [])]
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        return {
            "id": name,
            "name": name,
            "arn": role["Arn"],
            "unique_id": role["RoleId"],
            "create_date": rfc3339(role["CreateDate"]),
            "path": role.get("Path", "/"),
            "description": role.get("Description", ""),
            "max_session_duration": role.get("MaxSessionDuration", 3600),
            "assume_role_policy": policy_text(role["AssumeRolePolicyDocument"]),
            "permissions_boundary": boundary if boundary else state.get("permissions_boundary"),
            "tags": tags,
            "tags_all": tags_all,
            "inline_policy": _keep_equal_inline(state.get("inline_policy"), inline),
            "managed_policy_arns": sorted(attached),
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        iam = self.aws.client("iam")
        name = prior["id"]
        if planned.get("assume_role_policy") != prior.get("assume_role_policy"):
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=planned["assume_role_policy"])
        if planned.get("description") != prior.get("description") or planned.get("max_session_duration") != prior.get(
            "max_session_duration"
        ):
            iam.update_role(
                RoleName=name,
                Description=planned.get("description") or "",
                MaxSessionDuration=int(planned.get("max_session_duration") or 3600),
            )
        if planned.get("permissions_boundary") != prior.get("permissions_boundary"):
            if planned.get("permissions_boundary"):
                iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=planned["permissions_boundary"])
            else:
                iam.delete_role_permissions_boundary(RoleName=name)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                iam.untag_role(RoleName=name, TagKeys=removed)
            if new:
                iam.tag_role(RoleName=name, Tags=tag_list(new))
        return self.read({**planned, "id": name}) or planned

    def delete(self, state: State) -> None:
        iam = self.aws.client("iam")
        name = state["id"]
        try:
            if state.get("force_detach_policies"):
                for p in iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", []):
                    iam.detach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
                for pname in iam.list_role_policies(RoleName=name).get("PolicyNames", []):
                    iam.delete_role_policy(RoleName=name, PolicyName=pname)
            for item in state.get("inline_policy") or []:
                if item.get("name"):
                    try:
                        iam.delete_role_policy(RoleName=name, PolicyName=item["name"])
                    except ClientError as exc:
                        if not _missing(exc):
                            raise
            for profile in iam.list_instance_profiles_for_role(RoleName=name).get("InstanceProfiles", []):
                iam.remove_role_from_instance_profile(RoleName=name, InstanceProfileName=profile["InstanceProfileName"])
            iam.delete_role(RoleName=name)
        except ClientError as exc:
            if _missing(exc):
                return
            if error_code(exc) == "DeleteConflict":
                raise ProviderFailure(
                    f"deleting IAM Role ({name}): DeleteConflict",
                    "Policies are still attached to the role. Set force_detach_policies = true or detach them.",
                ) from exc
            raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "name": import_id, "force_detach_policies": False}


def _keep_equal_inline(before: Any, after: list[dict[str, str]]) -> list[dict[str, str]]:
    """Keep the prior policy text of inline policies whose documents are semantically unchanged."""
    prior = {i.get("name"): i.get("policy") for i in before or [] if isinstance(i, dict)}
    return [
        {
            "name": i["name"],
            "policy": prior[i["name"]] if policies_equivalent(prior.get(i["name"]), i["policy"]) else i["policy"],
        }
        for i in after
    ]


class IamRolePolicy(ResourceHandler):
    type_name = "aws_iam_role_policy"
    force_new = frozenset({"name", "name_prefix", "role"})
    policy_attrs = frozenset({"policy"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("name")) and known(config.get("role")):
            planned["id"] = f"{config['role']}:{config['name']}"

    def create(self, planned: State, config: State) -> State:
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        self.aws.client("iam").put_role_policy(
            RoleName=planned["role"], PolicyName=name, PolicyDocument=planned["policy"]
        )
        return {**planned, "id": f"{planned['role']}:{name}", "name": name}

    def update(self, prior: State, planned: State, config: State) -> State:
        self.aws.client("iam").put_role_policy(
            RoleName=prior["role"], PolicyName=prior["name"], PolicyDocument=planned["policy"]
        )
        return planned

    def read(self, state: State) -> State | None:
        role, _, name = state["id"].partition(":")
        try:
            doc = self.aws.client("iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return {"id": state["id"], "role": role, "name": name, "policy": policy_text(doc)}

    def delete(self, state: State) -> None:
        role, _, name = state["id"].partition(":")
        try:
            self.aws.client("iam").delete_role_policy(RoleName=role, PolicyName=name)
        except ClientError as exc:
            if not _missing(exc):
                raise


class IamRolePolicyAttachment(ResourceHandler):
    type_name = "aws_iam_role_policy_attachment"
    force_new = frozenset({"role", "policy_arn"})

    def create(self, planned: State, config: State) -> State:
        self.aws.client("iam").attach_role_policy(RoleName=planned["role"], PolicyArn=planned["policy_arn"])
        from strands_tf.emulator.provider.resources.naming import prefixed_unique_id

        return {**planned, "id": prefixed_unique_id(f"{planned['role']}-")}

    def update(self, prior: State, planned: State, config: State) -> State:
        return planned

    def read(self, state: State) -> State | None:
        try:
            attached = self.aws.client("iam").list_attached_role_policies(RoleName=state["role"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        if state["policy_arn"] not in [p["PolicyArn"] for p in attached.get("AttachedPolicies", [])]:
            return None
        return {"id": state["id"], "role": state["role"], "policy_arn": state["policy_arn"]}

    def delete(self, state: State) -> None:
        try:
            self.aws.client("iam").detach_role_policy(RoleName=state["role"], PolicyArn=state["policy_arn"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        role, _, arn = import_id.partition("/")
        return {"id": import_id, "role": role, "policy_arn": arn}


class IamPolicy(ResourceHandler):
    type_name = "aws_iam_policy"
    force_new = frozenset({"name", "name_prefix", "path", "description"})
    policy_attrs = frozenset({"policy"})
    defaults = {"path": "/"}

    def create(self, planned: State, config: State) -> State:
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        kwargs: dict[str, Any] = {
            "PolicyName": name,
            "Path": planned.get("path") or "/",
            "PolicyDocument": planned["policy"],
        }
        if planned.get("description"):
            kwargs["Description"] = planned["description"]
        if planned.get("tags_all"):
            kwargs["Tags"] = tag_list(planned["tags_all"])
        pol = self.aws.client("iam").create_policy(**kwargs)["Policy"]
        return self.read({**planned, "id": pol["Arn"], "name": name}) or planned

    def read(self, state: State) -> State | None:
        iam = self.aws.client("iam")
        try:
            pol = iam.get_policy(PolicyArn=state["id"])["Policy"]
            version = iam.get_policy_version(PolicyArn=state["id"], VersionId=pol["DefaultVersionId"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        tags, tags_all = split_tags(tags_from_list(pol.get("Tags", [])), self.aws.default_tags, state.get("tags"))
        return {
            "id": pol["Arn"],
            "arn": pol["Arn"],
            "name": pol["PolicyName"],
            "path": pol.get("Path", "/"),
            "policy_id": pol["PolicyId"],
            "attachment_count": pol.get("AttachmentCount", 0),
            "description": pol.get("Description", ""),
            "policy": policy_text(version["PolicyVersion"]["Document"]),
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        iam = self.aws.client("iam")
        arn = prior["id"]
        if planned.get("policy") != prior.get("policy"):
            versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            if len(versions) >= 5:
                oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
                iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=planned["policy"], SetAsDefault=True)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                iam.untag_policy(PolicyArn=arn, TagKeys=removed)
            if new:
                iam.tag_policy(PolicyArn=arn, Tags=tag_list(new))
        return self.read({**planned, "id": arn}) or planned

    def delete(self, state: State) -> None:
        iam = self.aws.client("iam")
        arn = state["id"]
        try:
            for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
                if not v["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
            iam.delete_policy(PolicyArn=arn)
        except ClientError as exc:
            if not _missing(exc):
                raise


# ---- aws_iam_policy_document ----


def _one_or_list(values: list[str]) -> str | list[str]:
    items = sorted(values)
    return items[0] if len(items) == 1 else items


def _principals(items: list[dict[str, Any]]) -> Any:
    if len(items) == 1 and items[0]["type"] == "*" and list(items[0]["identifiers"]) == ["*"]:
        return "*"
    out: dict[str, Any] = {}
    for p in items:
        ids = (
            list(out.get(p["type"], []))
            if isinstance(out.get(p["type"]), list)
            else ([out[p["type"]]] if p["type"] in out else [])
        )
        ids += list(p["identifiers"])
        out[p["type"]] = _one_or_list(sorted(set(ids)))
    return out


def _statement(stmt: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if stmt.get("sid"):
        out["Sid"] = stmt["sid"]
    out["Effect"] = stmt.get("effect") or "Allow"
    for tf, api in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if stmt.get(tf):
            out[api] = _one_or_list(stmt[tf])
    if stmt.get("principals"):
        out["Principal"] = _principals(stmt["principals"])
    if stmt.get("not_principals"):
        out["NotPrincipal"] = _principals(stmt["not_principals"])
    if stmt.get("condition"):
        cond: dict[str, dict[str, Any]] = {}
        for c in stmt["condition"]:
            values = list(c["values"])
            cond.setdefault(c["test"], {})[c["variable"]] = values[0] if len(values) == 1 else values
        out["Condition"] = cond
    return out


def _merge_statements(base: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements with a Sid replace earlier ones with the same Sid; others are appended."""
    merged = list(base)
    for stmt in extra:
        sid = stmt.get("Sid")
        idx = next((i for i, s in enumerate(merged) if sid and s.get("Sid") == sid), None)
        if idx is None:
            merged.append(stmt)
        else:
            merged[idx] = stmt
    return merged


class IamPolicyDocument(DataSourceHandler):
    type_name = "aws_iam_policy_document"

    def read(self, config: State) -> State:
        statements: list[dict[str, Any]] = []
        version = config.get("version") or "2012-10-17"
        for src in config.get("source_policy_documents") or []:
            doc = json.loads(src)
            stmts = doc.get("Statement", [])
            statements = _merge_statements(statements, stmts if isinstance(stmts, list) else [stmts])
        own = [_statement(s) for s in config.get("statement") or []]
        sids = [s["Sid"] for s in own if s.get("Sid")]
        if len(sids) != len(set(sids)):
            raise ProviderFailure("aws_iam_policy_document: duplicate statement sid", ", ".join(sorted(sids)))
        statements = _merge_statements(statements, own)
        for src in config.get("override_policy_documents") or []:
            doc = json.loads(src)
            stmts = doc.get("Statement", [])
            statements = _merge_statements(statements, stmts if isinstance(stmts, list) else [stmts])
        doc: dict[str, Any] = {"Version": version}
        if config.get("policy_id"):
            doc["Id"] = config["policy_id"]
        doc["Statement"] = statements
        text = json.dumps(doc, indent=2)
        return {
            "id": str(zlib.crc32(text.encode())),
            "json": text,
            "minified_json": json.dumps(doc, separators=(",", ":")),
        }
