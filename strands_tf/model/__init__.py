"""The infrastructure graph: module instances with construct paths, IAM from permission edges, optimizer passes."""
