"""Deployment orchestration: stack waves, executor, the event stream, checkpoints and resume, rollback, orphans."""
