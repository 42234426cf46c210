provider "aws" {
  allowed_account_ids = ["222222222222"]
  region              = "eu-west-1"

  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/strands-deploy"
    session_name = "strands-tf"
  }

  default_tags {
    tags = {
      cost-center           = "4411"
      managed-by            = "strands-tf"
      "strands:environment" = "prod"
      "strands:project"     = "support-desk"
      "strands:version"     = "0.0.0-test"
      team                  = "ai-platform"
    }
  }
}
