"""Deployment history: one record per apply, destroy and rollback, in S3 (or the emulator, or locally)."""

from strands_tf.history.bucket import BucketReport, BucketSettings, init_bucket
from strands_tf.history.models import RecordMetadata
from strands_tf.history.recorder import RecordResult, record_deployment
from strands_tf.history.service import History, SyncReport, VerifyReport, open_history
from strands_tf.history.store import HistoryStore, LocalStore, S3Store

__all__ = [
    "BucketReport",
    "BucketSettings",
    "History",
    "HistoryStore",
    "LocalStore",
    "RecordMetadata",
    "RecordResult",
    "S3Store",
    "SyncReport",
    "VerifyReport",
    "init_bucket",
    "open_history",
    "record_deployment",
]
