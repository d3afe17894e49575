"""What `celery -A workers worker` loads: the worker's settings, read once here, and its Celery app.

The web process never imports this module; it enqueues through workers.queue.CeleryDispatcher.
"""

from workers.settings import WorkerSettings, load_settings
from workers.worker import create_worker_app

app = create_worker_app(load_settings(WorkerSettings))
