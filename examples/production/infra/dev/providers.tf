provider "aws" {
  allowed_account_ids = ["111111111111"]
  region              = "us-east-1"

  default_tags {
    tags = {
      lifecycle             = "production"
      managed-by            = "strands-tf"
      "strands:environment" = "dev"
      "strands:project"     = "acme-agents"
      "strands:version"     = "0.1.0"
      team                  = "ai-platform"
    }
  }
}
