variable "name" {
  description = "Name of the IAM role (its inline policy is named <name>-policy)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rules)."
  }
}

variable "description" {
  description = "Description of the IAM role."
  type        = string
  default     = "Execution role of a Strands agent Lambda function"

  validation {
    condition     = length(var.description) <= 1000
    error_message = "description must be at most 1000 characters."
  }
}

variable "policy_statements" {
  description = "Statements of the role's inline policy (least privilege: name exact actions and resource ARNs), each with optional conditions (test, variable, values), e.g. kms:ViaService for a key used only through SSM. Empty creates no inline policy."
  type = list(object({
    sid       = string
    effect    = string
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "every policy statement needs at least one action and at least one resource."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : contains(["Allow", "Deny"], s.effect)])
    error_message = "policy statement effect must be Allow or Deny."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]*$", s.sid))])
    error_message = "policy statement sid must contain only letters and digits (IAM rule); use \"\" for none."
  }

  validation {
    condition     = length(distinct([for s in var.policy_statements : s.sid if s.sid != ""])) == length([for s in var.policy_statements : s.sid if s.sid != ""])
    error_message = "policy statement sids must be unique within the policy."
  }

  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for c in s.conditions : length(c.values) > 0 && c.test != "" && c.variable != ""]]))
    error_message = "every policy statement condition needs a test (e.g. StringEquals), a variable (e.g. kms:ViaService) and at least one value."
  }

  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for a in s.actions : a == "*" || can(regex("^[a-z0-9-]+:[A-Za-z0-9*]+$", a))]]))
    error_message = "policy statement actions must look like service:Action (for example dynamodb:GetItem)."
  }
}

variable "managed_policy_arns" {
  description = "ARNs of managed IAM policies attached to the role (for example AWSLambdaBasicExecutionRole when logs are not granted inline)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.managed_policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", arn))])
    error_message = "managed_policy_arns must be IAM policy ARNs such as arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole."
  }
}

variable "permissions_boundary" {
  description = "ARN of the managed policy used as the role's permissions boundary (optional)."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of the role in seconds (3600-43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "restrict_to_source_account" {
  description = "Add an aws:SourceAccount condition (the current account) to the Lambda trust policy against confused-deputy use of the role."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}
