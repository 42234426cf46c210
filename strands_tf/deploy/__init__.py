"""Deployment orchestration: stack waves, executor, checkpoints and resume, rollback."""
