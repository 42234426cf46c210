terraform {
  required_version = ">= 1.6"

  backend "local" {
    path = "./support-desk-local.tfstate"
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
