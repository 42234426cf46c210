provider "aws" {
  allowed_account_ids = ["111111111111"]
  region              = "us-east-1"

  default_tags {
    tags = {
      cost-center           = "4411"
      managed-by            = "strands-tf"
      "strands:environment" = "dev"
      "strands:project"     = "support-desk"
      "strands:version"     = "0.1.0"
      team                  = "ai-platform"
    }
  }
}
