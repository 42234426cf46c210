"""Team pipelines: CI workflow templates, pull-request plan comments, HCP Terraform bootstrap."""
