"""Jobs and how they run. For now every job runs in-process (the embedded mode); the Celery + Redis tier
arrives with issue 3 and runs the same job functions."""
