variable "emulator_endpoint" {
  default     = "http://127.0.0.1:5000"
  description = "Base URL of the AWS API emulator (strands sets it when it starts one)"
  type        = string
}
