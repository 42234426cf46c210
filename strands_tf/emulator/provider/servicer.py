"""The tfplugin6 Provider service: schema from data, CRUD dispatched to per-type handlers."""

from __future__ import annotations

import functools
import json
import logging
import traceback
from typing import Any

import grpc
from botocore.exceptions import BotoCoreError, ClientError
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from strands_tf.emulator.provider import values
from strands_tf.emulator.provider.aws import AwsContext, EndpointNotConfigured
from strands_tf.emulator.provider.calllog import serving
from strands_tf.emulator.provider.planning import keep_null_for_empty, plan_resource, resolve_unknowns
from strands_tf.emulator.provider.resources import DATA_SOURCES, RESOURCES
from strands_tf.emulator.provider.resources.base import ProviderFailure
from strands_tf.emulator.provider.schema import ProviderSchema, conform_block, schema_pb

log = logging.getLogger(__name__)


def _diag(summary: str, detail: str = "", *, warning: bool = False) -> pb.Diagnostic:
    severity = pb.Diagnostic.WARNING if warning else pb.Diagnostic.ERROR
    return pb.Diagnostic(severity=severity, summary=summary, detail=detail)


def _dyn(value: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=values.encode(value))


def _read(dv: pb.DynamicValue) -> Any:
    return values.decode(dv.msgpack, dv.json)


def _failure_diag(action: str, type_name: str, exc: BaseException) -> pb.Diagnostic:
    """Turn whatever a handler raised into a diagnostic a user can act on."""
    if isinstance(exc, ProviderFailure):
        return _diag(exc.summary, exc.detail)
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return _diag(
            f"{action} {type_name}: {err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": "),
            f"The AWS emulator rejected {exc.operation_name}.",
        )
    if isinstance(exc, EndpointNotConfigured):
        return _diag(f"{action} {type_name}: {exc}")
    if isinstance(exc, BotoCoreError):
        return _diag(f"{action} {type_name}: cannot reach the AWS emulator", str(exc))
    log.error("unexpected failure in %s %s:\n%s", action, type_name, traceback.format_exc())
    return _diag(f"{action} {type_name}: internal error in the emulator provider", repr(exc))


class ProviderService(rpc.ProviderServicer):
    """Serves one provider schema; resource types without a handler plan and validate but cannot apply."""

    def __init__(self, schema: ProviderSchema) -> None:
        self.schema = schema
        self._aws: AwsContext | None = None
        self._schema_response: pb.GetProviderSchema.Response | None = None

    # ---- schema and metadata ----

    def _capabilities(self) -> pb.ServerCapabilities:
        return pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)

    def GetMetadata(self, request: Any, context: grpc.ServicerContext) -> pb.GetMetadata.Response:
        return pb.GetMetadata.Response(
            server_capabilities=self._capabilities(),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in self.schema.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=t) for t in self.schema.data_sources],
        )

    def GetProviderSchema(self, request: Any, context: grpc.ServicerContext) -> pb.GetProviderSchema.Response:
        if self._schema_response is None:
            self._schema_response = pb.GetProviderSchema.Response(
                provider=schema_pb(self.schema.provider),
                provider_meta=pb.Schema(version=0, block=pb.Schema.Block()),
                resource_schemas={t: schema_pb(e) for t, e in self.schema.resources.items()},
                data_source_schemas={t: schema_pb(e) for t, e in self.schema.data_sources.items()},
                server_capabilities=self._capabilities(),
            )
        return self._schema_response

    def GetFunctions(self, request: Any, context: grpc.ServicerContext) -> pb.GetFunctions.Response:
        return pb.GetFunctions.Response()

    # ---- configuration ----

    def ValidateProviderConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.type_name not in self.schema.resources:
            return pb.ValidateResourceConfig.Response(
                diagnostics=[_diag(f"unsupported resource type {request.type_name}")]
            )
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.type_name not in self.schema.data_sources:
            return pb.ValidateDataResourceConfig.Response(
                diagnostics=[_diag(f"unsupported data source {request.type_name}")]
            )
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = _read(request.config) or {}
        self._aws = AwsContext.from_config(config)
        return pb.ConfigureProvider.Response()

    @property
    def aws(self) -> AwsContext:
        if self._aws is None:
            # Terraform configures before any CRUD call; a bare default keeps import/refresh edge cases safe
            self._aws = AwsContext.from_config({})
        return self._aws

    def UpgradeResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        R = pb.UpgradeResourceState.Response
        if request.type_name not in self.schema.resources:
            return R(diagnostics=[_diag(f"unsupported resource type {request.type_name}")])
        raw = json.loads(request.raw_state.json) if request.raw_state.json else None
        block = self.schema.resource_block(request.type_name)
        return R(upgraded_state=_dyn(conform_block(block, raw)))

    # ---- resources ----

    def _handler(self, type_name: str) -> Any:
        cls = RESOURCES.get(type_name)
        if cls is None:
            raise ProviderFailure(
                f"{type_name} is not supported by the offline emulator provider",
                "The type is in the provider schema, so the configuration is valid for the real provider, "
                "but the emulator cannot create it. Use the registry provider against a full emulator.",
            )
        return cls(self.aws)

    def PlanResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        R = pb.PlanResourceChange.Response
        type_name = request.type_name
        prior, proposed = _read(request.prior_state), _read(request.proposed_new_state)
        config = _read(request.config)
        if proposed is None:
            return R(planned_state=_dyn(None), legacy_type_system=True)
        block = self.schema.resource_block(type_name)
        try:
            handler = self._handler(type_name)
            result = plan_resource(handler, block, prior, proposed, config)
        except ProviderFailure as exc:
            if prior is None:
                # still plan (validate/plan work for every schema type); apply reports the failure
                return R(planned_state=_dyn(proposed), legacy_type_system=True)
            return R(diagnostics=[_failure_diag("planning", type_name, exc)])
        except Exception as exc:
            return R(diagnostics=[_failure_diag("planning", type_name, exc)])
        return R(
            planned_state=_dyn(conform_block(block, result.planned)),
            requires_replace=[
                pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=n)]) for n in result.requires_replace
            ],
            legacy_type_system=True,
        )

    def ApplyResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        R = pb.ApplyResourceChange.Response
        type_name = request.type_name
        prior, planned = _read(request.prior_state), _read(request.planned_state)
        config = _read(request.config) or {}
        block = self.schema.resource_block(type_name)
        try:
            handler = self._handler(type_name)
            if planned is None:
                handler.delete(prior)
                return R(new_state=_dyn(None), legacy_type_system=True)
            # As in the SDK's Create/Update, a value known only after apply reads as null inside the handler, so
            # the read that ends a create reports what every later read reports (never a value derived from an
            # unknown placeholder, which would surface as drift on the next refresh).
            settled = resolve_unknowns(planned)
            new = handler.create(settled, config) if prior is None else handler.update(prior, settled, config)
        except Exception as exc:
            action = "deleting" if planned is None else ("creating" if prior is None else "updating")
            # a failed create keeps what was created (Terraform taints it); a failed update or delete keeps prior
            partial = getattr(exc, "partial_state", None)
            state = conform_block(block, resolve_unknowns(partial)) if partial else prior
            return R(
                new_state=_dyn(state), diagnostics=[_failure_diag(action, type_name, exc)], legacy_type_system=True
            )
        merged = {**planned, **keep_null_for_empty(planned, new, block)}
        return R(new_state=_dyn(conform_block(block, resolve_unknowns(merged))), legacy_type_system=True)

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        R = pb.ReadResource.Response
        type_name = request.type_name
        current = _read(request.current_state)
        block = self.schema.resource_block(type_name)
        if type_name not in RESOURCES:
            return R(new_state=request.current_state, private=request.private)
        try:
            new = self._handler(type_name).read(current)
        except Exception as exc:
            return R(new_state=request.current_state, diagnostics=[_failure_diag("reading", type_name, exc)])
        if new is None:
            return R(new_state=_dyn(None))
        new = keep_null_for_empty(current, new, block)
        if "region" in (block.get("attributes") or {}) and not (current.get("region") or new.get("region")):
            # imported or pre-v6 state: the resource lives in the provider's region
            new["region"] = self.aws.region
        handler_cls = RESOURCES[type_name]
        for name in handler_cls.document_attrs():
            if handler_cls.equivalent(name, current.get(name), new.get(name)):
                new[name] = current.get(name)
        return R(new_state=_dyn(conform_block(block, resolve_unknowns({**current, **new}))), private=request.private)

    def ImportResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        R = pb.ImportResourceState.Response
        type_name = request.type_name
        try:
            state = self._handler(type_name).import_state(request.id)
        except Exception as exc:
            return R(diagnostics=[_failure_diag("importing", type_name, exc)])
        block = self.schema.resource_block(type_name)
        return R(
            imported_resources=[
                pb.ImportResourceState.ImportedResource(type_name=type_name, state=_dyn(conform_block(block, state)))
            ]
        )

    def MoveResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.MoveResourceState.Response(
            diagnostics=[_diag("moving resource state between types is not supported by the emulator provider")]
        )

    # ---- data sources ----

    def ReadDataSource(self, request: Any, context: grpc.ServicerContext) -> Any:
        R = pb.ReadDataSource.Response
        type_name = request.type_name
        config = _read(request.config) or {}
        block = self.schema.data_source_block(type_name)
        cls = DATA_SOURCES.get(type_name)
        if cls is None:
            return R(diagnostics=[_diag(f"data source {type_name} is not supported by the offline emulator provider")])
        try:
            state = cls(self.aws).read(config)
        except Exception as exc:
            return R(diagnostics=[_failure_diag("reading", type_name, exc)])
        return R(state=_dyn(conform_block(block, resolve_unknowns({**config, **state}))))

    def StopProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        # a cancel request, not an exit: calls in flight are single short AWS requests that finish on their own
        return pb.StopProvider.Response()


def _mark_calls(name: str) -> None:
    """AWS calls made while serving `name` are logged with it (tf_rpc, tf_resource_type, tf_req_id)."""
    method = getattr(ProviderService, name)

    @functools.wraps(method)
    def served(self: ProviderService, request: Any, context: grpc.ServicerContext) -> Any:
        with serving(name, request.type_name):
            return method(self, request, context)

    setattr(ProviderService, name, served)


for _rpc in ("PlanResourceChange", "ApplyResourceChange", "ReadResource", "ImportResourceState", "ReadDataSource"):
    _mark_calls(_rpc)
