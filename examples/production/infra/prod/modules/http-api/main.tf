locals {
  # One integration and one invoke permission per distinct function, however many routes it serves.
  functions = { for key, route in var.routes : route.function_name => route.invoke_arn... }

  use_jwt = var.authorization_type == "JWT"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  description   = var.description
  protocol_type = "HTTP"

  dynamic "cors_configuration" {
    for_each = var.cors == null ? [] : [var.cors]

    # Empty lists become null: the API stores no empty list, so [] would show as a change on every plan.
    content {
      allow_origins     = length(cors_configuration.value.allow_origins) > 0 ? cors_configuration.value.allow_origins : null
      allow_methods     = length(cors_configuration.value.allow_methods) > 0 ? cors_configuration.value.allow_methods : null
      allow_headers     = length(cors_configuration.value.allow_headers) > 0 ? cors_configuration.value.allow_headers : null
      expose_headers    = length(cors_configuration.value.expose_headers) > 0 ? cors_configuration.value.expose_headers : null
      max_age           = cors_configuration.value.max_age
      allow_credentials = cors_configuration.value.allow_credentials
    }
  }

  tags = var.tags
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  count = local.use_jwt ? 1 : 0

  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_authorizer.issuer
    audience = var.jwt_authorizer.audience
  }

  lifecycle {
    precondition {
      condition     = var.jwt_authorizer != null
      error_message = "authorization_type JWT needs jwt_authorizer (issuer and audience)."
    }
  }
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = var.stage_name
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = var.detailed_metrics_enabled
    # the provider's default, spelled out so no engine can read an unset value as a change
    data_trace_enabled = false
  }

  tags = var.tags
}

resource "aws_apigatewayv2_integration" "lambda" {
  for_each = local.functions

  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = each.value[0]
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_milliseconds
}

resource "aws_apigatewayv2_route" "this" {
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.lambda[each.value.function_name].id}"
  authorization_type = var.authorization_type
  authorizer_id      = local.use_jwt ? aws_apigatewayv2_authorizer.jwt[0].id : null
}

resource "aws_lambda_permission" "api" {
  for_each = local.functions

  statement_id  = "AllowInvokeFromHttpApi-${replace(var.name, ".", "-")}"
  action        = "lambda:InvokeFunction"
  function_name = each.key
  principal     = "apigateway.amazonaws.com"
  # Any stage and route of this API only, never another API in the account.
  source_arn = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = "AWS/ApiGateway"
  metric_name         = each.value.metric_name
  dimensions          = { ApiId = aws_apigatewayv2_api.this.id }
  statistic           = each.value.extended_statistic == null ? each.value.statistic : null
  extended_statistic  = each.value.extended_statistic
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.threshold
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.evaluation_periods
  treat_missing_data  = "notBreaching"
  unit                = each.value.unit

  actions_enabled = true
  alarm_actions   = var.alarm_actions
  ok_actions      = var.ok_actions

  tags = var.tags
}

locals {
  # the API's row of the environment's dashboard; CloudWatch places widgets without x/y in order
  api_widgets = [
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title   = "HTTP API: requests and errors"
        region  = aws_apigatewayv2_api.this.region
        stat    = "Sum"
        period  = 300
        view    = "timeSeries"
        metrics = [["AWS/ApiGateway", "Count", "ApiId", aws_apigatewayv2_api.this.id], [".", "4xx", ".", "."], [".", "5xx", ".", "."]]
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title   = "HTTP API: latency"
        region  = aws_apigatewayv2_api.this.region
        stat    = "p95"
        period  = 300
        view    = "timeSeries"
        metrics = [["AWS/ApiGateway", "Latency", "ApiId", aws_apigatewayv2_api.this.id, { stat = "p50" }], ["...", { stat = "p95" }]]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.dashboard_name == null ? 0 : 1

  dashboard_name = var.dashboard_name
  dashboard_body = jsonencode({ widgets = concat(var.dashboard_widgets, local.api_widgets) })
}
