variable "name" {
  description = "Dashboard name (letters, digits, hyphens and underscores)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.name))
    error_message = "name must be 1-255 letters, digits, hyphens and underscores."
  }
}

variable "body" {
  description = "The dashboard's JSON body (widgets), as CloudWatch's PutDashboard takes it."
  type        = string

  validation {
    condition     = can(jsondecode(var.body).widgets)
    error_message = "body must be a JSON object with a widgets list."
  }
}
