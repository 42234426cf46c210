"""strands-tf: deploy Strands Agents to AWS through Terraform."""

__version__ = "0.1.0"
