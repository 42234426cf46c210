"""Terraform engine discovery, subprocess runner, machine-readable UI events, plan and tfstate models."""
