variable "name" {
  description = "Name of the HTTP API (also names its access log group /aws/apigateway/<name>/access)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, dots, hyphens and underscores."
  }
}

variable "description" {
  description = "Description of the HTTP API."
  type        = string
  default     = ""
}

variable "routes" {
  description = "Routes keyed by route key (\"POST /chat\", \"GET /items/{id}\", \"$default\"), each served by one Lambda function."
  type = map(object({
    function_name = string
    invoke_arn    = string
  }))

  validation {
    condition     = length(var.routes) > 0
    error_message = "routes must contain at least one route."
  }

  validation {
    condition     = alltrue([for key in keys(var.routes) : key == "$default" || can(regex("^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /[^\\s]*$", key))])
    error_message = "route keys must be \"$default\" or \"METHOD /path\" with METHOD one of ANY, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS."
  }
}

variable "authorization_type" {
  description = "Authorization of every route: AWS_IAM (SigV4-signed callers, the secure default), JWT (needs jwt_authorizer) or NONE (public)."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "JWT", "NONE"], var.authorization_type)
    error_message = "authorization_type must be AWS_IAM, JWT or NONE."
  }
}

variable "jwt_authorizer" {
  description = "JWT authorizer used when authorization_type is JWT: token issuer URL and accepted audiences."
  type = object({
    issuer   = string
    audience = list(string)
  })
  default = null
}

variable "cors" {
  description = "CORS configuration of the API; null disables CORS."
  type = object({
    allow_origins     = list(string)
    allow_methods     = list(string)
    allow_headers     = list(string)
    expose_headers    = list(string)
    max_age           = number
    allow_credentials = bool
  })
  default = null

  validation {
    condition     = var.cors == null ? true : (var.cors.max_age >= 0 && var.cors.max_age <= 86400)
    error_message = "cors.max_age must be between 0 and 86400 seconds."
  }

  validation {
    condition     = var.cors == null ? true : !(var.cors.allow_credentials && contains(var.cors.allow_origins, "*"))
    error_message = "cors.allow_credentials cannot be true when allow_origins contains \"*\"; list the origins."
  }
}

variable "stage_name" {
  description = "Name of the auto-deployed stage; $default serves the API at its root URL."
  type        = string
  default     = "$default"

  validation {
    condition     = var.stage_name == "$default" || can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be $default or 1-128 letters, digits, hyphens and underscores."
  }
}

variable "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for a Lambda integration (50-30000 ms)."
  type        = number
  default     = 30000

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 30000
    error_message = "integration_timeout_milliseconds must be between 50 and 30000."
  }
}

variable "log_retention_days" {
  description = "Retention of the access log group in days (a value CloudWatch Logs accepts; 0 keeps logs forever)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the access log group. Null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "throttling_burst_limit" {
  description = "Burst limit (requests) of the stage's default route settings."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 0 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number >= 0."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state rate limit (requests per second) of the stage's default route settings."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit >= 0
    error_message = "throttling_rate_limit must be >= 0."
  }
}

variable "detailed_metrics_enabled" {
  description = "Publish per-route CloudWatch metrics (billed as custom metrics)."
  type        = bool
  default     = false
}

variable "alarms" {
  description = "Alarms on the API's metrics (namespace AWS/ApiGateway, dimension ApiId filled in here): 5xx, 4xx, Latency... by key."
  type = map(object({
    name               = string
    description        = string
    metric_name        = string
    statistic          = optional(string, "Sum")
    extended_statistic = optional(string)
    threshold          = number
    period             = optional(number, 300)
    evaluation_periods = optional(number, 1)
    unit               = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for a in values(var.alarms) : a.extended_statistic == null || can(regex("^p(\\d{1,2}(\\.\\d{1,2})?|100)$", a.extended_statistic))])
    error_message = "extended_statistic must be a percentile such as p95."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm of the API fires (the environment's alarm topic)."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "ARNs notified when an alarm of the API returns to OK."
  type        = list(string)
  default     = []
}

variable "dashboard_name" {
  description = "Create the environment's CloudWatch dashboard with this name, with the API's widgets after dashboard_widgets (its metrics are keyed by the API's id, known here). Null: no dashboard."
  type        = string
  default     = null
}

variable "dashboard_widgets" {
  description = "The dashboard's other widgets (agents, queues, models), placed before the API's."
  type        = any
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource of the module that supports tags."
  type        = map(string)
  default     = {}
}
