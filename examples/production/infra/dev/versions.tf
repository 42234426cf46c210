terraform {
  required_version = ">= 1.6"

  backend "s3" {
    bucket       = "acme-agents-dev-terraform-state"
    encrypt      = true
    key          = "strands/dev/acme-agents-dev.tfstate"
    region       = "us-east-1"
    use_lockfile = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
