"""API Gateway v2 (HTTP and WebSocket APIs): APIs, stages, routes, integrations."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.aws import DNS_SUFFIX
from strands_tf.emulator.provider.resources.base import ResourceHandler, State, first, is_not_found, known
from strands_tf.emulator.provider.resources.tags import split_tags


def _missing(exc: Exception) -> bool:
    return is_not_found(exc, "NotFoundException")


def _put(kwargs: dict[str, Any], api: str, value: Any) -> None:
    if known(value) and value not in (None, ""):
        kwargs[api] = value


def _sync_tags(client: Any, arn: str, prior: State, planned: State) -> None:
    old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
    if old == new:
        return
    removed = [k for k in old if k not in new]
    if removed:
        client.untag_resource(ResourceArn=arn, TagKeys=removed)
    if new:
        client.tag_resource(ResourceArn=arn, Tags=new)


_CORS = {
    "allow_credentials": "AllowCredentials",
    "allow_headers": "AllowHeaders",
    "allow_methods": "AllowMethods",
    "allow_origins": "AllowOrigins",
    "expose_headers": "ExposeHeaders",
    "max_age": "MaxAge",
}


class ApiGatewayV2Api(ResourceHandler):
    type_name = "aws_apigatewayv2_api"
    force_new = frozenset({"protocol_type"})
    defaults = {
        "api_key_selection_expression": "$request.header.x-api-key",
        "route_selection_expression": "$request.method $request.path",
        "disable_execute_api_endpoint": False,
    }

    def _fields(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"Name": s["name"]}
        _put(kwargs, "Description", s.get("description"))
        _put(kwargs, "ApiKeySelectionExpression", s.get("api_key_selection_expression"))
        _put(kwargs, "RouteSelectionExpression", s.get("route_selection_expression"))
        _put(kwargs, "Version", s.get("version"))
        if s.get("disable_execute_api_endpoint") is not None:
            kwargs["DisableExecuteApiEndpoint"] = bool(s["disable_execute_api_endpoint"])
        cors = first(s.get("cors_configuration"))
        if cors:
            body = {}
            for tf, api in _CORS.items():
                v = cors.get(tf)
                if known(v) and v not in (None, [], ""):
                    body[api] = sorted(v) if isinstance(v, list) else v
            kwargs["CorsConfiguration"] = body
        return kwargs

    def create(self, planned: State, config: State) -> State:
        client = self.aws.client("apigatewayv2")
        kwargs = self._fields(planned)
        kwargs["ProtocolType"] = planned["protocol_type"]
        _put(kwargs, "Target", planned.get("target"))
        _put(kwargs, "RouteKey", planned.get("route_key"))
        _put(kwargs, "CredentialsArn", planned.get("credentials_arn"))
        if planned.get("tags_all"):
            kwargs["Tags"] = planned["tags_all"]
        api_id = client.create_api(**kwargs)["ApiId"]
        return self.read({**planned, "id": api_id}) or planned

    def read(self, state: State) -> State | None:
        client = self.aws.client("apigatewayv2")
        api_id = state["id"]
        try:
            api = client.get_api(ApiId=api_id)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        region = self.aws.region
        cors = api.get("CorsConfiguration")
        tags, tags_all = split_tags(api.get("Tags") or {}, self.aws.default_tags, state.get("tags"))
        scheme = "wss" if api["ProtocolType"] == "WEBSOCKET" else "https"
        return {
            "id": api_id,
            "name": api["Name"],
            "protocol_type": api["ProtocolType"],
            "api_endpoint": api.get("ApiEndpoint") or f"{scheme}://{api_id}.execute-api.{region}.{DNS_SUFFIX}",
            "arn": f"arn:aws:apigateway:{region}::/apis/{api_id}",
            "execution_arn": f"arn:aws:execute-api:{region}:{self.aws.account_id}:{api_id}",
            "description": api.get("Description", "") or state.get("description"),
            "api_key_selection_expression": api.get("ApiKeySelectionExpression", "$request.header.x-api-key"),
            "route_selection_expression": api.get("RouteSelectionExpression", "$request.method $request.path"),
            "disable_execute_api_endpoint": bool(api.get("DisableExecuteApiEndpoint", False)),
            "version": api.get("Version", "") or state.get("version"),
            "ip_address_type": api.get("IpAddressType", "ipv4"),
            "cors_configuration": [
                {
                    tf: (sorted(cors[api_name]) if isinstance(cors.get(api_name), list) else cors.get(api_name))
                    for tf, api_name in _CORS.items()
                }
            ]
            if cors
            else [],
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        client = self.aws.client("apigatewayv2")
        api_id = prior["id"]
        kwargs = self._fields(planned)
        if prior.get("cors_configuration") and not planned.get("cors_configuration"):
            client.delete_cors_configuration(ApiId=api_id)
        client.update_api(ApiId=api_id, **kwargs)
        _sync_tags(client, prior["arn"], prior, planned)
        return self.read({**planned, "id": api_id}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("apigatewayv2").delete_api(ApiId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


_ROUTE_SETTINGS = {
    "data_trace_enabled": "DataTraceEnabled",
    "detailed_metrics_enabled": "DetailedMetricsEnabled",
    "logging_level": "LoggingLevel",
    "throttling_burst_limit": "ThrottlingBurstLimit",
    "throttling_rate_limit": "ThrottlingRateLimit",
}


def _route_settings_api(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tf, api in _ROUTE_SETTINGS.items():
        v = item.get(tf)
        if known(v) and v not in (None, ""):
            out[api] = v
    return out


class ApiGatewayV2Stage(ResourceHandler):
    type_name = "aws_apigatewayv2_stage"
    force_new = frozenset({"api_id", "name"})
    defaults = {"auto_deploy": False}
    computed_blocks = frozenset({"default_route_settings"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("name")):
            planned["id"] = config["name"]

    def _fields(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"AutoDeploy": bool(s.get("auto_deploy"))}
        _put(kwargs, "Description", s.get("description"))
        _put(kwargs, "ClientCertificateId", s.get("client_certificate_id"))
        if not s.get("auto_deploy"):
            _put(kwargs, "DeploymentId", s.get("deployment_id"))
        if s.get("stage_variables"):
            kwargs["StageVariables"] = s["stage_variables"]
        logs = first(s.get("access_log_settings"))
        if logs:
            kwargs["AccessLogSettings"] = {"DestinationArn": logs["destination_arn"], "Format": logs["format"]}
        default = first(s.get("default_route_settings"))
        if default:
            kwargs["DefaultRouteSettings"] = _route_settings_api(default)
        if s.get("route_settings"):
            kwargs["RouteSettings"] = {r["route_key"]: _route_settings_api(r) for r in s["route_settings"]}
        return kwargs

    def create(self, planned: State, config: State) -> State:
        client = self.aws.client("apigatewayv2")
        kwargs = self._fields(planned)
        kwargs.update(ApiId=planned["api_id"], StageName=planned["name"])
        if planned.get("tags_all"):
            kwargs["Tags"] = planned["tags_all"]
        client.create_stage(**kwargs)
        return self.read({**planned, "id": planned["name"]}) or planned

    def read(self, state: State) -> State | None:
        client = self.aws.client("apigatewayv2")
        api_id, name = state["api_id"], state.get("name") or state["id"]
        try:
            stage = client.get_stage(ApiId=api_id, StageName=name)
            api = client.get_api(ApiId=api_id)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        region = self.aws.region
        base = api.get("ApiEndpoint") or f"https://{api_id}.execute-api.{region}.{DNS_SUFFIX}"
        invoke_url = f"{base}/" if name == "$default" else f"{base}/{name}"
        logs = stage.get("AccessLogSettings")
        default = stage.get("DefaultRouteSettings") or {}
        tags, tags_all = split_tags(stage.get("Tags") or {}, self.aws.default_tags, state.get("tags"))
        out: State = {
            "id": name,
            "name": name,
            "api_id": api_id,
            "arn": f"arn:aws:apigateway:{region}::/apis/{api_id}/stages/{name}",
            "execution_arn": f"arn:aws:execute-api:{region}:{self.aws.account_id}:{api_id}/{name}",
            "invoke_url": invoke_url,
            "auto_deploy": bool(stage.get("AutoDeploy", False)),
            "deployment_id": stage.get("DeploymentId", "")
            or (state.get("deployment_id") if known(state.get("deployment_id")) else ""),
            "description": stage.get("Description", "") or state.get("description"),
            "stage_variables": stage.get("StageVariables") or state.get("stage_variables"),
            "access_log_settings": [{"destination_arn": logs["DestinationArn"], "format": logs["Format"]}]
            if logs
            else [],
            "default_route_settings": [
                {
                    "data_trace_enabled": bool(default.get("DataTraceEnabled", False)),
                    "detailed_metrics_enabled": bool(default.get("DetailedMetricsEnabled", False)),
                    "logging_level": default.get("LoggingLevel", ""),
                    "throttling_burst_limit": default.get("ThrottlingBurstLimit", 0),
                    "throttling_rate_limit": default.get("ThrottlingRateLimit", 0),
                }
            ],
            "route_settings": [
                {"route_key": k, **{tf: v.get(api) for tf, api in _ROUTE_SETTINGS.items()}}
                for k, v in (stage.get("RouteSettings") or {}).items()
            ],
            "tags": tags,
            "tags_all": tags_all,
        }
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        client = self.aws.client("apigatewayv2")
        kwargs = self._fields(planned)
        client.update_stage(ApiId=prior["api_id"], StageName=prior["name"], **kwargs)
        _sync_tags(client, prior["arn"], prior, planned)
        return self.read({**planned, "id": prior["name"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("apigatewayv2").delete_stage(ApiId=state["api_id"], StageName=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        api_id, _, name = import_id.partition("/")
        return {"id": name, "name": name, "api_id": api_id}


class ApiGatewayV2Route(ResourceHandler):
    type_name = "aws_apigatewayv2_route"
    force_new = frozenset({"api_id"})
    defaults = {"api_key_required": False, "authorization_type": "NONE"}

    def _fields(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "RouteKey": s["route_key"],
            "ApiKeyRequired": bool(s.get("api_key_required")),
            "AuthorizationType": s.get("authorization_type") or "NONE",
        }
        _put(kwargs, "Target", s.get("target"))
        _put(kwargs, "AuthorizerId", s.get("authorizer_id"))
        _put(kwargs, "OperationName", s.get("operation_name"))
        _put(kwargs, "ModelSelectionExpression", s.get("model_selection_expression"))
        _put(kwargs, "RouteResponseSelectionExpression", s.get("route_response_selection_expression"))
        if s.get("authorization_scopes"):
            kwargs["AuthorizationScopes"] = sorted(s["authorization_scopes"])
        return kwargs

    def create(self, planned: State, config: State) -> State:
        resp = self.aws.client("apigatewayv2").create_route(ApiId=planned["api_id"], **self._fields(planned))
        return self.read({**planned, "id": resp["RouteId"]}) or planned

    def read(self, state: State) -> State | None:
        try:
            route = self.aws.client("apigatewayv2").get_route(ApiId=state["api_id"], RouteId=state["id"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return {
            "id": route["RouteId"],
            "api_id": state["api_id"],
            "route_key": route["RouteKey"],
            "target": route.get("Target") or state.get("target"),
            "api_key_required": bool(route.get("ApiKeyRequired", False)),
            "authorization_type": route.get("AuthorizationType", "NONE"),
            "authorizer_id": route.get("AuthorizerId") or state.get("authorizer_id"),
            "authorization_scopes": route.get("AuthorizationScopes") or state.get("authorization_scopes"),
            "operation_name": route.get("OperationName") or state.get("operation_name"),
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.aws.client("apigatewayv2").update_route(
            ApiId=prior["api_id"], RouteId=prior["id"], **self._fields(planned)
        )
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("apigatewayv2").delete_route(ApiId=state["api_id"], RouteId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        api_id, _, route_id = import_id.partition("/")
        return {"id": route_id, "api_id": api_id}


class ApiGatewayV2Integration(ResourceHandler):
    type_name = "aws_apigatewayv2_integration"
    force_new = frozenset({"api_id", "integration_type"})
    defaults = {"connection_type": "INTERNET", "payload_format_version": "1.0"}
    # AWS fills the method of proxy integrations (POST); the provider suppresses that diff
    keep_prior_when_unset = frozenset({"integration_method"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and config.get("timeout_milliseconds") is None:
            planned["timeout_milliseconds"] = 30000 if planned.get("integration_type") != "MOCK" else 29000
        if config.get("passthrough_behavior") is None and prior is not None:
            planned["passthrough_behavior"] = prior.get("passthrough_behavior")

    def _fields(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        for tf, api in (
            ("integration_uri", "IntegrationUri"),
            ("integration_method", "IntegrationMethod"),
            ("payload_format_version", "PayloadFormatVersion"),
            ("connection_type", "ConnectionType"),
            ("connection_id", "ConnectionId"),
            ("credentials_arn", "CredentialsArn"),
            ("description", "Description"),
            ("content_handling_strategy", "ContentHandlingStrategy"),
            ("passthrough_behavior", "PassthroughBehavior"),
            ("template_selection_expression", "TemplateSelectionExpression"),
            ("integration_subtype", "IntegrationSubtype"),
        ):
            _put(kwargs, api, s.get(tf))
        if known(s.get("timeout_milliseconds")) and s.get("timeout_milliseconds"):
            kwargs["TimeoutInMillis"] = int(s["timeout_milliseconds"])
        if s.get("request_parameters"):
            kwargs["RequestParameters"] = s["request_parameters"]
        if s.get("request_templates"):
            kwargs["RequestTemplates"] = s["request_templates"]
        return kwargs

    def create(self, planned: State, config: State) -> State:
        client = self.aws.client("apigatewayv2")
        resp = client.create_integration(
            ApiId=planned["api_id"], IntegrationType=planned["integration_type"], **self._fields(planned)
        )
        return self.read({**planned, "id": resp["IntegrationId"]}) or planned

    def read(self, state: State) -> State | None:
        try:
            it = self.aws.client("apigatewayv2").get_integration(ApiId=state["api_id"], IntegrationId=state["id"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return {
            "id": it["IntegrationId"],
            "api_id": state["api_id"],
            "integration_type": it["IntegrationType"],
            "integration_uri": it.get("IntegrationUri") or state.get("integration_uri"),
            "integration_method": it.get("IntegrationMethod") or state.get("integration_method"),
            "payload_format_version": it.get("PayloadFormatVersion", "1.0"),
            "connection_type": it.get("ConnectionType", "INTERNET"),
            "timeout_milliseconds": it.get("TimeoutInMillis", state.get("timeout_milliseconds")),
            "description": it.get("Description") or state.get("description"),
            "integration_response_selection_expression": it.get("IntegrationResponseSelectionExpression", ""),
            "passthrough_behavior": it.get("PassthroughBehavior") or state.get("passthrough_behavior"),
            "request_parameters": it.get("RequestParameters") or state.get("request_parameters"),
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.aws.client("apigatewayv2").update_integration(
            ApiId=prior["api_id"], IntegrationId=prior["id"], **self._fields(planned)
        )
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("apigatewayv2").delete_integration(ApiId=state["api_id"], IntegrationId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        api_id, _, integration_id = import_id.partition("/")
        return {"id": integration_id, "api_id": api_id}


class ApiGatewayV2Authorizer(ResourceHandler):
    type_name = "aws_apigatewayv2_authorizer"
    force_new = frozenset({"api_id", "authorizer_type"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if config.get("authorizer_result_ttl_in_seconds") is None:
            planned["authorizer_result_ttl_in_seconds"] = (
                prior.get("authorizer_result_ttl_in_seconds")
                if prior
                else (300 if planned.get("authorizer_type") == "REQUEST" else 0)
            )

    def _fields(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"Name": s["name"], "AuthorizerType": s["authorizer_type"]}
        _put(kwargs, "AuthorizerUri", s.get("authorizer_uri"))
        _put(kwargs, "AuthorizerCredentialsArn", s.get("authorizer_credentials_arn"))
        _put(kwargs, "AuthorizerPayloadFormatVersion", s.get("authorizer_payload_format_version"))
        if s.get("identity_sources"):
            kwargs["IdentitySource"] = sorted(s["identity_sources"])
        if s.get("authorizer_type") == "REQUEST":
            kwargs["AuthorizerResultTtlInSeconds"] = int(s.get("authorizer_result_ttl_in_seconds") or 0)
            if s.get("enable_simple_responses") is not None:
                kwargs["EnableSimpleResponses"] = bool(s["enable_simple_responses"])
        jwt = first(s.get("jwt_configuration"))
        if jwt:
            body: dict[str, Any] = {}
            if jwt.get("audience"):
                body["Audience"] = sorted(jwt["audience"])
            _put(body, "Issuer", jwt.get("issuer"))
            kwargs["JwtConfiguration"] = body
        return kwargs

    def create(self, planned: State, config: State) -> State:
        resp = self.aws.client("apigatewayv2").create_authorizer(ApiId=planned["api_id"], **self._fields(planned))
        return self.read({**planned, "id": resp["AuthorizerId"]}) or planned

    def read(self, state: State) -> State | None:
        try:
            auth = self.aws.client("apigatewayv2").get_authorizer(ApiId=state["api_id"], AuthorizerId=state["id"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        jwt = auth.get("JwtConfiguration")
        return {
            "id": auth["AuthorizerId"],
            "api_id": state["api_id"],
            "name": auth["Name"],
            "authorizer_type": auth["AuthorizerType"],
            "identity_sources": auth.get("IdentitySource") or state.get("identity_sources"),
            "authorizer_uri": auth.get("AuthorizerUri") or state.get("authorizer_uri"),
            "authorizer_result_ttl_in_seconds": auth.get(
                "AuthorizerResultTtlInSeconds", state.get("authorizer_result_ttl_in_seconds")
            ),
            "jwt_configuration": [{"audience": jwt.get("Audience"), "issuer": jwt.get("Issuer")}] if jwt else [],
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.aws.client("apigatewayv2").update_authorizer(
            ApiId=prior["api_id"], AuthorizerId=prior["id"], **self._fields(planned)
        )
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("apigatewayv2").delete_authorizer(ApiId=state["api_id"], AuthorizerId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        api_id, _, auth_id = import_id.partition("/")
        return {"id": auth_id, "api_id": api_id}
