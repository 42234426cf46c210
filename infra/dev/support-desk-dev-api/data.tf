# construct support-desk-dev-api/caller
data "aws_caller_identity" "caller" {
}

# construct support-desk-dev-api/partition
data "aws_partition" "partition" {
}

# construct support-desk-dev-api/region
data "aws_region" "region" {
}

# construct support-desk-dev-api/cross-stack-reference-input-support-desk-dev-support
data "terraform_remote_state" "cross-stack-reference-input-support-desk-dev-support" {
  backend = "remote"
  config = {
    hostname     = "app.terraform.io"
    organization = "acme"
    workspaces = {
      name = "support-desk-dev-support"
    }
  }
}
