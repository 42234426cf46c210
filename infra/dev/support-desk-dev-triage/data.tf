# construct support-desk-dev-triage/caller
data "aws_caller_identity" "caller" {
}

# construct support-desk-dev-triage/partition
data "aws_partition" "partition" {
}

# construct support-desk-dev-triage/region
data "aws_region" "region" {
}

# construct support-desk-dev-triage/cross-stack-reference-input-support-desk-dev
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
