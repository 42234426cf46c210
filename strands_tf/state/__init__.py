"""CDK-compatible state file: models, tfstate mapper, StateManager (locking, atomic writes), project lock."""
