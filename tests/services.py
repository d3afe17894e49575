"""Real services for tests and benchmarks: a private redis-server on a free loopback port and real Celery
worker processes, each stopped by its own pid. Nothing here is a stand-in: these are the programs users run.
No pytest in here: bench/queue.py uses the same harness."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
REDIS_CONF = ROOT / "assets" / "redis.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """redis-server with the shipped assets/redis.conf (AOF everysec, noeviction) in its own folder."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder, self.port = folder, port or free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.pidfile = folder / "redis.pid"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.pidfile.unlink(missing_ok=True)
        subprocess.run(["redis-server", str(REDIS_CONF), "--port", str(self.port), "--bind", "127.0.0.1",
                        "--dir", str(self.folder), "--daemonize", "yes", "--pidfile", str(self.pidfile),
                        "--logfile", str(self.folder / "redis.log")], check=True)
        client = redis.Redis(port=self.port)
        wait_for(lambda: self._ping(client), 20, "redis-server to answer")
        return self

    @staticmethod
    def _ping(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    @property
    def pid(self) -> int:
        return int(self.pidfile.read_text())

    def kill(self) -> None:
        """kill -9: no shutdown save, as in a crash."""
        pid = self.pid
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not alive(pid), 10, "redis-server to die")

    def stop(self) -> None:
        if self.pidfile.exists() and alive(pid := self.pid):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not alive(pid), 20, "redis-server to stop")


class CeleryWorker:
    """`celery -A workers worker` as a user starts it, with its own data directory and log."""

    def __init__(self, redis_url: str, data_dir: Path, name: str = "w1", **settings: str):
        self.redis_url, self.data_dir, self.name = redis_url, data_dir, name
        self.settings = settings
        self.log_path = data_dir / f"worker-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "CeleryWorker":
        env = {**os.environ, "STUDIO_REDIS_URL": self.redis_url, "STUDIO_DATA_DIR": str(self.data_dir),
               **{f"STUDIO_{k.upper()}": str(v) for k, v in self.settings.items()}}
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-n", f"{self.name}@%h", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(lambda: self._ready(), 90, f"worker {self.name} to be ready", interval=0.2)
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"worker {self.name} exited:\n{self.log()}")
        text = self.log_path.read_bytes()
        # the child logs "worker: <model> loaded" (or "is not available") once its models are warm
        return b" ready." in text and b"] worker: " in text and self.child_pid() is not None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def child_pid(self) -> int | None:
        kids = children(self.process.pid)
        return kids[0] if kids else None

    def kill_child(self) -> int:
        pid = self.child_pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """kill -9 of the whole worker: parent and child, nothing gets to clean up."""
        child = self.child_pid()
        os.kill(self.process.pid, signal.SIGKILL)
        if child:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (a warm shutdown), SIGKILL if it does not end, and any children it leaves behind."""
    if process.poll() is not None:
        return
    kids = children(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    for kid in kids:
        if alive(kid):
            os.kill(kid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


class StudioServer:
    """`python app.py` as a user starts it, on a free port, with its own data directory and log."""

    def __init__(self, data_dir: Path, **settings: str):
        self.data_dir, self.settings = data_dir, settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "StudioServer":
        import urllib.request

        env = {**os.environ, "STUDIO_DATA_DIR": str(self.data_dir), "STUDIO_PORT": str(self.port),
               "STUDIO_HOST": "127.0.0.1", **{f"STUDIO_{k.upper()}": str(v) for k, v in self.settings.items()}}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=log,
                                            stderr=subprocess.STDOUT)

        def up() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"the studio exited:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return True
            except OSError:
                return False

        try:
            wait_for(up, timeout, "the studio to start", interval=0.5)
        except TimeoutError:
            self.stop()
            raise TimeoutError(f"the studio did not start in {timeout} s:\n{self.log()}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
