"""Jobs and how they run: job schemas and functions, one `execute` for every kind of worker, the job stores
(Redis; SQLite + files for the embedded mode), the Celery app (`celery -A workers worker` loads
workers/celery.py), the embedded in-process queue, and batches."""
