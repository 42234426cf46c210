"""strands.yaml → CDKTF-layout Terraform JSON stacks and an HCL export."""
