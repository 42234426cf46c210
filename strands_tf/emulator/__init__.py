"""Offline AWS target: a moto server plus a local Terraform provider that stands in for hashicorp/aws."""
