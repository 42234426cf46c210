locals {
  log_group_name = "/aws/lambda/${var.name}"
  create_layer   = var.layer_filename != null || var.layer_s3_key != null
  use_vpc        = length(var.vpc_subnet_ids) > 0
  # Index keys (not queue ARNs) keep for_each plannable when the ARNs are only known after apply.
  sqs_triggers = { for index, trigger in var.sqs_triggers : tostring(index) => trigger }

  # store_on_s3: the module uploads the local zips under fixed keys and deploys from those objects.
  upload_layer = var.store_on_s3 && var.layer_filename != null
  code_s3_key  = "${var.s3_prefix}${var.name}/code.zip"
  layer_s3_key = "${var.s3_prefix}${var.name}/layer.zip"
  s3_sse       = var.s3_kms_key_arn == null ? null : "aws:kms"
  # a new hash re-uploads an object, whose new version_id then updates the function or layer
  code_source_hash  = var.store_on_s3 && var.source_code_hash == null && var.filename != null ? filebase64sha256(var.filename) : var.source_code_hash
  layer_source_hash = local.upload_layer && var.layer_source_code_hash == null ? filebase64sha256(var.layer_filename) : var.layer_source_code_hash

  # The sensitive map is marked as a whole; re-marking it value by value keeps environment_variables (names
  # and ARNs) readable in plans while every sensitive value stays masked.
  environment = merge(
    var.environment_variables,
    { for k in nonsensitive(keys(var.sensitive_environment_variables)) : k => var.sensitive_environment_variables[k] },
  )
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

resource "aws_s3_object" "code" {
  count = var.store_on_s3 ? 1 : 0

  bucket                 = var.s3_bucket
  key                    = local.code_s3_key
  source                 = var.filename
  source_hash            = local.code_source_hash
  content_type           = "application/zip"
  server_side_encryption = local.s3_sse
  kms_key_id             = var.s3_kms_key_arn

  # S3 objects take at most 10 tags, provider default_tags included: not the module's tags
  tags = var.s3_object_tags

  lifecycle {
    precondition {
      condition     = var.filename != null && var.s3_bucket != null
      error_message = "store_on_s3 = true needs filename (the local zip) and s3_bucket (where the module uploads it as <s3_prefix><name>/code.zip)."
    }
  }
}

resource "aws_s3_object" "layer" {
  count = local.upload_layer ? 1 : 0

  bucket                 = var.s3_bucket
  key                    = local.layer_s3_key
  source                 = var.layer_filename
  source_hash            = local.layer_source_hash
  content_type           = "application/zip"
  server_side_encryption = local.s3_sse
  kms_key_id             = var.s3_kms_key_arn

  # S3 objects take at most 10 tags, provider default_tags included: not the module's tags
  tags = var.s3_object_tags
}

resource "aws_lambda_layer_version" "this" {
  count = local.create_layer ? 1 : 0

  layer_name               = "${var.name}-deps"
  description              = "Dependencies of ${var.name}"
  filename                 = local.upload_layer ? null : var.layer_filename
  s3_bucket                = local.upload_layer ? aws_s3_object.layer[0].bucket : (var.layer_filename == null ? var.layer_s3_bucket : null)
  s3_key                   = local.upload_layer ? aws_s3_object.layer[0].key : (var.layer_filename == null ? var.layer_s3_key : null)
  s3_object_version        = local.upload_layer ? aws_s3_object.layer[0].version_id : null
  source_code_hash         = var.layer_source_code_hash
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]

  lifecycle {
    precondition {
      condition     = var.layer_filename != null || (var.layer_s3_bucket != null && var.layer_s3_key != null)
      error_message = "A layer stored in S3 needs both layer_s3_bucket and layer_s3_key."
    }

    precondition {
      condition     = !var.store_on_s3 || (var.layer_s3_bucket == null && var.layer_s3_key == null)
      error_message = "store_on_s3 uploads layer_filename to s3_bucket itself: leave layer_s3_bucket and layer_s3_key null."
    }
  }
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = var.description
  role          = var.role_arn
  handler       = var.handler
  runtime       = var.runtime
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout

  filename          = var.store_on_s3 ? null : var.filename
  s3_bucket         = var.store_on_s3 ? aws_s3_object.code[0].bucket : (var.filename == null ? var.s3_bucket : null)
  s3_key            = var.store_on_s3 ? aws_s3_object.code[0].key : (var.filename == null ? var.s3_key : null)
  s3_object_version = var.store_on_s3 ? aws_s3_object.code[0].version_id : (var.filename == null ? var.s3_object_version : null)
  source_code_hash  = var.source_code_hash
  layers            = local.create_layer ? [aws_lambda_layer_version.this[0].arn] : null

  ephemeral_storage {
    size = var.ephemeral_storage
  }

  kms_key_arn                    = var.kms_key_arn
  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency
  code_signing_config_arn        = var.code_signing_config_arn

  dynamic "environment" {
    for_each = length(local.environment) > 0 ? [local.environment] : []

    content {
      variables = environment.value
    }
  }

  logging_config {
    log_format = var.log_format
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tracing_config {
    mode = var.tracing ? "Active" : "PassThrough"
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_target_arn == null ? [] : [var.dead_letter_target_arn]

    content {
      target_arn = dead_letter_config.value
    }
  }

  dynamic "vpc_config" {
    for_each = local.use_vpc ? [true] : []

    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  tags = var.tags

  # The log group must exist first, or Lambda creates it itself without retention or encryption.
  depends_on = [aws_cloudwatch_log_group.this]

  lifecycle {
    precondition {
      condition     = var.store_on_s3 || (var.filename != null) != (var.s3_bucket != null && var.s3_key != null)
      error_message = "Set either filename (local zip) or both s3_bucket and s3_key, not both and not neither (or store_on_s3 = true with filename and s3_bucket to have the module upload the zip)."
    }

    precondition {
      condition     = !var.store_on_s3 || (var.filename != null && var.s3_bucket != null && var.s3_key == null && var.s3_object_version == null)
      error_message = "store_on_s3 = true needs filename (the local zip) and s3_bucket (where the module uploads it as <s3_prefix><name>/code.zip); leave s3_key and s3_object_version null."
    }

    precondition {
      condition     = length(jsonencode(local.environment)) <= 4096
      error_message = "environment_variables and sensitive_environment_variables together exceed Lambda's 4 KB limit; keep large values in SSM Parameter Store or Secrets Manager and pass their names."
    }

    precondition {
      condition     = (length(var.vpc_subnet_ids) > 0) == (length(var.vpc_security_group_ids) > 0)
      error_message = "vpc_subnet_ids and vpc_security_group_ids must be set together (both empty keeps the function outside a VPC)."
    }
  }
}

resource "aws_lambda_event_source_mapping" "sqs" {
  for_each = local.sqs_triggers

  event_source_arn                   = each.value.queue_arn
  function_name                      = aws_lambda_function.this.arn
  batch_size                         = each.value.batch_size
  maximum_batching_window_in_seconds = each.value.maximum_batching_window_in_seconds
  enabled                            = each.value.enabled
  # handlers return {"batchItemFailures": [...]}: without this Lambda ignores it and retries the whole batch
  function_response_types = ["ReportBatchItemFailures"]

  tags = var.tags
}

# The function's own rule in X-Ray's centralised sampling: read by the X-Ray and OpenTelemetry SDKs in the
# agent (the traces Strands emits); Lambda's front end keeps its fixed rate for the invocation segment.
resource "aws_xray_sampling_rule" "this" {
  count = var.tracing && var.xray_sampling != null ? 1 : 0

  rule_name      = var.xray_sampling.rule_name
  priority       = var.xray_sampling.priority
  fixed_rate     = var.xray_sampling.fixed_rate
  reservoir_size = var.xray_sampling.reservoir_size
  service_name   = aws_lambda_function.this.function_name
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"
  version        = 1

  tags = var.tags
}
