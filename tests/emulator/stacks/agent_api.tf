data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "fn" {
  name               = "emu-agent-fn"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_cloudwatch_log_group" "fn" {
  name              = "/aws/lambda/emu-agent"
  retention_in_days = 14
}

resource "aws_lambda_layer_version" "deps" {
  layer_name          = "emu-agent-deps"
  filename            = "${path.module}/layer.zip"
  source_code_hash    = filebase64sha256("${path.module}/layer.zip")
  compatible_runtimes = ["python3.12"]
}

resource "aws_sqs_queue" "jobs" {
  name                       = "emu-agent-jobs"
  visibility_timeout_seconds = 180
}

resource "aws_lambda_function" "agent" {
  function_name    = "emu-agent"
  role             = aws_iam_role.fn.arn
  runtime          = "python3.12"
  handler          = "app.handler"
  filename         = "${path.module}/code.zip"
  source_code_hash = filebase64sha256("${path.module}/code.zip")
  memory_size      = 512
  timeout          = 30
  layers           = [aws_lambda_layer_version.deps.arn]

  environment {
    variables = { MODEL_ID = "anthropic.claude" }
  }
  tracing_config {
    mode = "Active"
  }
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.fn.name
  }
  depends_on = [aws_cloudwatch_log_group.fn]
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.agent.arn
  batch_size       = 5
  tags             = { trigger = "jobs" }
}

resource "aws_apigatewayv2_api" "http" {
  name          = "emu-agent-api"
  protocol_type = "HTTP"
  cors_configuration {
    allow_origins = ["https://example.com"]
    allow_methods = ["POST"]
  }
}

resource "aws_apigatewayv2_integration" "agent" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.agent.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "emu-agent-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = "https://issuer.example.com"
    audience = ["emu-agent"]
  }
}

resource "aws_apigatewayv2_route" "invoke" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "POST /invoke"
  target             = "integrations/${aws_apigatewayv2_integration.agent.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.fn.arn
    format          = "$context.requestId"
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.agent.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

output "function_arn" { value = aws_lambda_function.agent.arn }
output "invoke_arn" { value = aws_lambda_function.agent.invoke_arn }
output "api_url" { value = aws_apigatewayv2_stage.default.invoke_url }
output "api_id" { value = aws_apigatewayv2_api.http.id }
output "layer_arn" { value = aws_lambda_layer_version.deps.arn }
output "esm_uuid" { value = aws_lambda_event_source_mapping.jobs.uuid }
