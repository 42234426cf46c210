terraform {
  required_version = ">= 1.6"

  backend "local" {
    path = "../.strands/tfstate/local/support-desk-local.tfstate"
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
