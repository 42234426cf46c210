# construct acme-agents-dev/caller
data "aws_caller_identity" "caller" {
}

# construct acme-agents-dev/partition
data "aws_partition" "partition" {
}

# construct acme-agents-dev/region
data "aws_region" "region" {
}
