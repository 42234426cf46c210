"""Real Terraform against moto: Lambda (function, layer, permission, SQS mapping) behind an HTTP API."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto, pytest.mark.slow]


def _zips(where: Path, body: str = "return {'ok': True}", *, layer: bool = True) -> None:
    with zipfile.ZipFile(where / "code.zip", "w") as z:
        z.writestr("app.py", f"def handler(event, context):\n    {body}\n")
    if layer:
        with zipfile.ZipFile(where / "layer.zip", "w") as z:
            z.writestr("python/dep.py", "VALUE = 1\n")


def test_agent_behind_http_api(tf_project, moto_server) -> None:
    tf = tf_project("", stacks=("agent_api.tf",), reattach=True)
    _zips(tf.workdir)
    tf.init()
    tf.apply()
    lam, apigw, sqs = (client(moto_server.endpoint, s) for s in ("lambda", "apigatewayv2", "sqs"))
    out = tf.outputs()

    fn = lam.get_function(FunctionName="emu-agent")["Configuration"]
    assert fn["MemorySize"] == 512 and fn["Timeout"] == 30
    assert fn["TracingConfig"]["Mode"] == "Active"
    assert fn["Environment"]["Variables"] == {"MODEL_ID": "anthropic.claude"}
    assert [layer["Arn"] for layer in fn["Layers"]] == [out["layer_arn"]]
    assert out["invoke_arn"] == (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{out['function_arn']}/invocations"
    )
    policy = json.loads(lam.get_policy(FunctionName="emu-agent")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["AllowApiGatewayInvoke"]
    esm = lam.get_event_source_mapping(UUID=out["esm_uuid"])
    assert esm["BatchSize"] == 5
    assert lam.list_tags(Resource=esm["EventSourceMappingArn"])["Tags"] == {"trigger": "jobs"}
    api_id = out["api_id"]
    assert apigw.get_api(ApiId=api_id)["CorsConfiguration"]["AllowOrigins"] == ["https://example.com"]
    routes = apigw.get_routes(ApiId=api_id)["Items"]
    assert [r["RouteKey"] for r in routes] == ["POST /invoke"]
    authorizer = apigw.get_authorizer(ApiId=api_id, AuthorizerId=routes[0]["AuthorizerId"])
    assert authorizer["JwtConfiguration"] == {"Audience": ["emu-agent"], "Issuer": "https://issuer.example.com"}
    assert routes[0]["AuthorizationType"] == "JWT"
    integration_id = routes[0]["Target"].split("/")[1]
    assert apigw.get_integration(ApiId=api_id, IntegrationId=integration_id)["IntegrationUri"] == out["invoke_arn"]
    stage = apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["AutoDeploy"] is True and stage["AccessLogSettings"]["Format"] == "$context.requestId"
    assert out["api_url"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/"

    assert tf.changes() == []

    # changing memory is an in-place update, applied
    main = tf.workdir / "main.tf"
    main.write_text(main.read_text().replace("memory_size      = 512", "memory_size      = 1024"))
    assert tf.changes() == [("aws_lambda_function.agent", "update")]
    tf.apply()
    assert lam.get_function(FunctionName="emu-agent")["Configuration"]["MemorySize"] == 1024
    assert tf.changes() == []

    # new code: the hash changes, the function is updated in place with the new package
    _zips(tf.workdir, body="return {'ok': False}", layer=False)
    assert tf.changes() == [("aws_lambda_function.agent", "update")]
    tf.apply()
    assert tf.changes() == []

    # drift: memory changed behind Terraform's back; a deleted permission is planned again
    tf.run("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    lam.update_function_configuration(FunctionName="emu-agent", MemorySize=256)
    assert tf.drift() == ["aws_lambda_function.agent"]
    lam.remove_permission(FunctionName="emu-agent", StatementId="AllowApiGatewayInvoke")
    changes = tf.changes()
    assert ("aws_lambda_function.agent", "update") in changes
    assert ("aws_lambda_permission.api", "create") in changes
    tf.apply()
    assert tf.changes() == []

    # renaming the function replaces it (and everything that names it)
    main.write_text(main.read_text().replace('function_name    = "emu-agent"', 'function_name    = "emu-agent-2"'))
    assert dict(tf.changes())["aws_lambda_function.agent"] == "replace"

    tf.destroy()
    assert lam.list_functions()["Functions"] == []
    assert apigw.get_apis()["Items"] == []
    assert [u for u in sqs.list_queues().get("QueueUrls", []) if "emu-agent" in u] == []
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
