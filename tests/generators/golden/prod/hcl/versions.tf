terraform {
  required_version = ">= 1.6"

  backend "s3" {
    bucket       = "acme-tfstate"
    encrypt      = true
    key          = "support-desk/prod/support-desk-prod.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
