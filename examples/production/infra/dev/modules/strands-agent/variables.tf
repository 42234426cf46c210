variable "name" {
  description = "Name of the Lambda function (also names its log group /aws/lambda/<name> and its layer <name>-deps)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits, hyphens and underscores (Lambda function name rules)."
  }
}

variable "description" {
  description = "Description of the Lambda function."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "handler" {
  description = "Function entry point in the deployment package, for example app.handler."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]{1,128}$", var.handler))
    error_message = "handler must be 1-128 characters without whitespace, for example app.handler."
  }
}

variable "runtime" {
  description = "Lambda runtime identifier, for example python3.12."
  type        = string

  validation {
    condition     = can(regex("^(python3\\.[0-9]+|nodejs[0-9]+\\.x|java[0-9]+|dotnet[0-9]+|ruby3\\.[0-9]+|provided\\.al2(023)?)$", var.runtime))
    error_message = "runtime must be a Lambda runtime identifier such as python3.12, nodejs22.x or provided.al2023."
  }
}

variable "architecture" {
  description = "Instruction set architecture of the function and its layer: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory available to the function in MB (128-10240)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  description = "Function timeout in seconds (1-900)."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "ephemeral_storage" {
  description = "Size of the function's /tmp in MB (512-10240)."
  type        = number
  default     = 512

  validation {
    condition     = var.ephemeral_storage >= 512 && var.ephemeral_storage <= 10240 && floor(var.ephemeral_storage) == var.ephemeral_storage
    error_message = "ephemeral_storage must be a whole number of MB between 512 and 10240."
  }
}

variable "role_arn" {
  description = "ARN of the IAM execution role the function assumes (see the execution-role module)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/my-role."
  }
}

variable "filename" {
  description = "Path of the local deployment package zip. Null when the package is already in S3 (s3_bucket/s3_key); with store_on_s3 the module uploads this file to s3_bucket."
  type        = string
  default     = null
}

variable "s3_bucket" {
  description = "S3 bucket holding the deployment package (used when filename is null), or the bucket store_on_s3 uploads filename and layer_filename to."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "S3 key of the deployment package. Used only when filename is null; must stay null with store_on_s3 (the module picks the key)."
  type        = string
  default     = null
}

variable "s3_object_version" {
  description = "Version id of the deployment package object in a versioned bucket (optional; with store_on_s3 the uploaded object's version is used)."
  type        = string
  default     = null
}

variable "store_on_s3" {
  description = "Upload filename (and layer_filename) to s3_bucket as <s3_prefix><name>/code.zip and <s3_prefix><name>/layer.zip and deploy from those objects: for zips over Lambda's 50 MB direct-upload limit, or where policy requires S3. A versioned bucket is recommended: each upload's version id updates the function."
  type        = bool
  default     = false
  nullable    = false
}

variable "s3_prefix" {
  description = "Key prefix of the objects store_on_s3 uploads, for example agents/ (empty: keys start with the function name)."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.s3_prefix == "" || can(regex("^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*/$", var.s3_prefix))
    error_message = "s3_prefix must be empty or a key prefix ending in / that does not start with / (letters, digits and !_.*'()-/), for example agents/."
  }
}

variable "s3_kms_key_arn" {
  description = "KMS key ARN that encrypts the objects store_on_s3 uploads. Null uses the bucket's default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.s3_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.s3_kms_key_arn))
    error_message = "s3_kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab."
  }
}

variable "s3_object_tags" {
  description = "Tags of the objects store_on_s3 uploads. S3 allows 10 tags per object, the provider's default_tags included, so the module's tags are not copied there."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.s3_object_tags) <= 10
    error_message = "s3_object_tags can hold at most 10 tags (an S3 limit that also counts the provider's default_tags)."
  }
}

variable "source_code_hash" {
  description = "Base64-encoded SHA-256 of the deployment package; a change triggers a code update."
  type        = string
  default     = null
}

variable "layer_filename" {
  description = "Path of the local dependencies layer zip. Null (and layer_s3_key null) means no layer."
  type        = string
  default     = null
}

variable "layer_s3_bucket" {
  description = "S3 bucket holding the dependencies layer zip (for layers too large to upload directly). Used only when layer_filename is null; null with store_on_s3."
  type        = string
  default     = null
}

variable "layer_s3_key" {
  description = "S3 key of the dependencies layer zip. Used only when layer_filename is null; null with store_on_s3."
  type        = string
  default     = null
}

variable "layer_source_code_hash" {
  description = "Base64-encoded SHA-256 of the layer zip; a change publishes a new layer version."
  type        = string
  default     = null
}

variable "environment_variables" {
  description = "Environment variables of the function that are not secret (names and ARNs of what it uses): shown in plans. Do not put secrets here: pass the names of SSM parameters or Secrets Manager secrets instead."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k))])
    error_message = "environment variable names must start with a letter and contain only letters, digits and underscores."
  }

  validation {
    condition = alltrue([for k in keys(var.environment_variables) : !contains([
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ], k)])
    error_message = "environment_variables must not set a variable name reserved by the Lambda runtime (AWS_REGION, AWS_ACCESS_KEY_ID, _HANDLER, ...)."
  }

  validation {
    condition     = length(jsonencode(var.environment_variables)) <= 4096
    error_message = "environment_variables exceed Lambda's 4 KB limit; keep large values in SSM Parameter Store or S3 and pass their names."
  }
}

variable "sensitive_environment_variables" {
  description = "Environment variables whose values Terraform masks, each on its own, in plans and outputs (they are merged over environment_variables). The values still reach the function configuration and the state: keep real secrets in SSM Parameter Store or Secrets Manager and pass their names."
  type        = map(string)
  default     = {}
  nullable    = false
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.sensitive_environment_variables) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k))])
    error_message = "environment variable names must start with a letter and contain only letters, digits and underscores."
  }

  validation {
    condition = alltrue([for k in keys(var.sensitive_environment_variables) : !contains([
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ], k)])
    error_message = "sensitive_environment_variables must not set a variable name reserved by the Lambda runtime (AWS_REGION, AWS_ACCESS_KEY_ID, _HANDLER, ...)."
  }

  validation {
    condition     = length(jsonencode(var.sensitive_environment_variables)) <= 4096
    error_message = "sensitive_environment_variables exceed Lambda's 4 KB limit; keep large values in SSM Parameter Store or Secrets Manager and pass their names."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group in days (a value CloudWatch Logs accepts; 0 keeps logs forever)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the log group. Null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "log_format" {
  description = "Log format of the function: Text (plain lines) or JSON (structured, enables log level filtering)."
  type        = string
  default     = "Text"

  validation {
    condition     = contains(["Text", "JSON"], var.log_format)
    error_message = "log_format must be Text or JSON."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN that encrypts the environment variables at rest. Null uses the AWS managed key aws/lambda."
  type        = string
  default     = null
}

variable "tracing" {
  description = "Enable AWS X-Ray active tracing (true: Active, false: PassThrough)."
  type        = bool
  default     = true
}

variable "xray_sampling" {
  description = "An X-Ray sampling rule for the function's traces (service name = the function's name); null keeps X-Ray's default rule. Applies with tracing = true."
  type = object({
    rule_name      = string
    fixed_rate     = number
    reservoir_size = number
    priority       = number
  })
  default = null

  validation {
    condition     = var.xray_sampling == null || (try(length(var.xray_sampling.rule_name) <= 32, false) && try(var.xray_sampling.fixed_rate >= 0 && var.xray_sampling.fixed_rate <= 1, false))
    error_message = "xray_sampling needs a rule_name of at most 32 characters and a fixed_rate between 0 and 1."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions for the function; null leaves it unreserved (shares the account pool), 0 disables invocations."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null ? true : (var.reserved_concurrency >= 0 && floor(var.reserved_concurrency) == var.reserved_concurrency)
    error_message = "reserved_concurrency must be null or a whole number >= 0."
  }
}

variable "dead_letter_target_arn" {
  description = "ARN of an SQS queue or SNS topic receiving failed asynchronous invocations. Null disables the dead-letter config."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_target_arn == null ? true : can(regex("^arn:aws[a-z-]*:(sqs|sns):", var.dead_letter_target_arn))
    error_message = "dead_letter_target_arn must be an SQS queue or SNS topic ARN."
  }
}

variable "sqs_triggers" {
  description = "SQS queues that invoke the function through event source mappings."
  type = list(object({
    queue_arn                          = string
    batch_size                         = number
    maximum_batching_window_in_seconds = number
    enabled                            = bool
  }))
  default = []

  validation {
    condition     = alltrue([for t in var.sqs_triggers : t.batch_size >= 1 && t.batch_size <= 10000])
    error_message = "sqs_triggers[*].batch_size must be between 1 and 10000."
  }

  validation {
    condition     = alltrue([for t in var.sqs_triggers : t.maximum_batching_window_in_seconds >= 0 && t.maximum_batching_window_in_seconds <= 300])
    error_message = "sqs_triggers[*].maximum_batching_window_in_seconds must be between 0 and 300."
  }

  validation {
    condition     = alltrue([for t in var.sqs_triggers : t.batch_size <= 10 || t.maximum_batching_window_in_seconds >= 1])
    error_message = "sqs_triggers[*]: a batch_size above 10 needs maximum_batching_window_in_seconds of at least 1 (Lambda rule for SQS)."
  }
}

variable "vpc_subnet_ids" {
  description = "Subnets the function runs in. Empty (with vpc_security_group_ids empty) keeps the function outside any VPC."
  type        = list(string)
  default     = []
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces when it runs in a VPC."
  type        = list(string)
  default     = []
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code signing configuration that the deployment package must satisfy (optional)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every resource of the module that supports tags."
  type        = map(string)
  default     = {}
}
