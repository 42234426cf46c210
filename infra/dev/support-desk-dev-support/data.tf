# construct support-desk-dev-support/caller
data "aws_caller_identity" "caller" {
}

# construct support-desk-dev-support/partition
data "aws_partition" "partition" {
}

# construct support-desk-dev-support/region
data "aws_region" "region" {
}

# construct support-desk-dev-support/cross-stack-reference-input-support-desk-dev
data "terraform_remote_state" "cross-stack-reference-input-support-desk-dev" {
  backend = "remote"
  config = {
    hostname     = "app.terraform.io"
    organization = "acme"
    workspaces = {
      name = "support-desk-dev"
    }
  }
}
