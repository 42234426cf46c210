# construct acme-agents-prod/caller
data "aws_caller_identity" "caller" {
}

# construct acme-agents-prod/partition
data "aws_partition" "partition" {
}

# construct acme-agents-prod/region
data "aws_region" "region" {
}
