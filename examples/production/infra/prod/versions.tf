terraform {
  required_version = ">= 1.6"

  backend "s3" {
    bucket       = "acme-agents-prod-terraform-state"
    encrypt      = true
    key          = "strands/prod/acme-agents-prod.tfstate"
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
