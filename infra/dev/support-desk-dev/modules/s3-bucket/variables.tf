variable "bucket" {
  description = "Name of the S3 bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|-s3alias$", var.bucket))
    error_message = "bucket must be 3-63 lowercase letters, digits, dots and hyphens, start and end with a letter or digit, and not look like an IP address."
  }
}

variable "force_destroy" {
  description = "Delete every object (and version) when the bucket is destroyed. Leave false for data you care about."
  type        = bool
  default     = false
}

variable "versioning" {
  description = "Keep every version of every object (recommended; noncurrent versions expire after noncurrent_version_expiration_days)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for default encryption; null uses SSE-KMS with the AWS managed key aws/s3."
  type        = string
  default     = null
}

variable "bucket_key_enabled" {
  description = "Use an S3 Bucket Key to cut KMS request costs of SSE-KMS."
  type        = bool
  default     = true
}

variable "lifecycle_expiration_days" {
  description = "Expire current object versions after this many days; null keeps objects until deleted."
  type        = number
  default     = null

  validation {
    condition     = var.lifecycle_expiration_days == null ? true : var.lifecycle_expiration_days >= 1
    error_message = "lifecycle_expiration_days must be null or at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Delete noncurrent object versions this many days after they become noncurrent."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Abort multipart uploads left incomplete for this many days."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1
    error_message = "abort_incomplete_multipart_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Name of a bucket that receives server access logs of this bucket; null disables access logging. Must be known at plan time (a literal or another module's bucket_name output)."
  type        = string
  default     = null
}

variable "access_log_prefix" {
  description = "Key prefix of the access log objects in access_log_bucket."
  type        = string
  default     = null
}

variable "access_log_source_bucket_arns" {
  description = "ARNs of buckets whose server access logs this bucket receives: grants the S3 logging service s3:PutObject here, limited to those buckets and this account."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.access_log_source_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]+$", arn))])
    error_message = "access_log_source_bucket_arns must be bucket ARNs such as arn:aws:s3:::my-bucket."
  }
}

variable "tags" {
  description = "Tags applied to the bucket."
  type        = map(string)
  default     = {}
}
