provider "aws" {
  access_key                  = "test"
  region                      = "us-east-1"
  s3_use_path_style           = true
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true

  default_tags {
    tags = {
      cost-center           = "4411"
      managed-by            = "strands-tf"
      "strands:environment" = "local"
      "strands:project"     = "support-desk"
      "strands:version"     = "0.0.0-test"
      team                  = "ai-platform"
    }
  }

  endpoints {
    apigatewayv2 = var.emulator_endpoint
    cloudwatch   = var.emulator_endpoint
    dynamodb     = var.emulator_endpoint
    ec2          = var.emulator_endpoint
    iam          = var.emulator_endpoint
    kms          = var.emulator_endpoint
    lambda       = var.emulator_endpoint
    logs         = var.emulator_endpoint
    s3           = var.emulator_endpoint
    sns          = var.emulator_endpoint
    sqs          = var.emulator_endpoint
    ssm          = var.emulator_endpoint
    sts          = var.emulator_endpoint
  }
}
