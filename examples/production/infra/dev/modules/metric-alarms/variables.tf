variable "alarms" {
  description = "Alarms by key: each watches one metric (namespace, name, dimensions) with a statistic or a percentile (extended_statistic, e.g. p95) against a threshold."
  type = map(object({
    name                = string
    description         = string
    namespace           = string
    metric_name         = string
    dimensions          = map(string)
    statistic           = optional(string, "Sum")
    extended_statistic  = optional(string)
    comparison_operator = optional(string, "GreaterThanOrEqualToThreshold")
    threshold           = number
    period              = optional(number, 300)
    evaluation_periods  = optional(number, 1)
    treat_missing_data  = optional(string, "notBreaching")
    unit                = optional(string)
  }))

  validation {
    condition     = alltrue([for a in values(var.alarms) : can(regex("^[^\\x00-\\x1f]{1,255}$", a.name))])
    error_message = "alarm names must be 1-255 printable characters."
  }

  validation {
    condition     = alltrue([for a in values(var.alarms) : contains(["SampleCount", "Average", "Sum", "Minimum", "Maximum"], a.statistic)])
    error_message = "statistic must be one of SampleCount, Average, Sum, Minimum, Maximum (use extended_statistic for percentiles)."
  }

  validation {
    condition     = alltrue([for a in values(var.alarms) : a.extended_statistic == null || can(regex("^p(\\d{1,2}(\\.\\d{1,2})?|100)$", a.extended_statistic))])
    error_message = "extended_statistic must be a percentile such as p95 or p99.9."
  }

  validation {
    condition     = alltrue([for a in values(var.alarms) : contains([10, 30], a.period) || (a.period >= 60 && a.period % 60 == 0)])
    error_message = "period must be 10, 30 or a multiple of 60 seconds."
  }

  validation {
    condition     = alltrue([for a in values(var.alarms) : contains(["breaching", "notBreaching", "ignore", "missing"], a.treat_missing_data)])
    error_message = "treat_missing_data must be breaching, notBreaching, ignore or missing."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires (the environment's alarm topic)."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "ARNs notified when an alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every alarm."
  type        = map(string)
  default     = {}
}
