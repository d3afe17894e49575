"""The worker tier on real services: queue latency, batch throughput, the web process's memory, one run.

    python bench/queue.py [--jobs 200] [--images 60] [--items 1000] [--quick] [--skip-memory]

Everything runs against a private redis-server (the shipped assets/redis.conf, a free loopback port) and
real `celery -A workers worker -n wN@%h` processes, as a user starts them; the embedded mode (the job
thread inside the studio's process, SQLite + files) is the baseline row of each table.

1. Enqueue-to-start latency: N jobs submitted one at a time to an idle, warm worker. Each job's record
   (input: a 64x64 PNG) is stored first; the clock starts just before `dispatcher.enqueue` (time.time())
   and stops at the record's `started`, which the worker writes (time.time()) when it begins the job.
2. Batch throughput of the white-background job (preset amazon, u2netp) over M real photos
   (ecssd-dev, else synthetic), with 1 and then 2 Celery worker processes, and in the embedded mode:
   images / (last job's `finished` - start of `Batches.submit`).
3. The web process (`python app.py`, Redis mode, 2 workers) during one batch of --items images sent to
   POST /v1/batches as one zip, processed to the end while GET /v1/batches/{id} is polled; its RSS is
   sampled from /proc (VmRSS every 50 ms, VmHWM for the true peak). The same batch sent as --items
   separate `files` parts is measured for the submission only (a fresh studio; the batch is then cancelled).
"others' CPU" in each row: the share of the machine's CPU time used meanwhile by processes outside this benchmark
(and by the hypervisor, as steal time): the bench shares its cores with whatever else runs on the machine, and
more than a few % means the row was disturbed.
Every process started here is stopped by its pid, also on error, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import sys
from pathlib import Path

# this file is named queue.py: take its folder off the path, or `import queue` anywhere would load it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import io
import os
import platform
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import zipfile

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines import REGISTRY, ModelStore  # noqa: E402
from pipelines.image_input import InputItem  # noqa: E402
from workers.batches import KIND, Batches  # noqa: E402
from workers.queue import CeleryDispatcher, QueueConfig, create_celery  # noqa: E402
from workers.records import queue_name  # noqa: E402
from workers.redis_store import RedisJobStore  # noqa: E402
from workers.white_background import WhiteBackgroundJob  # noqa: E402
from tests.services import CeleryWorker, RedisServer, free_port, stop_process, wait_for  # noqa: E402

MODEL = "u2netp"
PRESET = "amazon"


# -- services: the tests' harness (tests/services.py), plus the studio in Redis mode -------------
def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process in kB ({} once it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in lines) if k in ("VmRSS", "VmHWM")}


class Studio:
    """`python app.py` in Redis mode on a free port, its own data directory and log."""

    def __init__(self, redis_url: str, data_dir: Path, name: str):
        self.redis_url, self.data_dir, self.port = redis_url, data_dir, free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir.parent / f"studio-{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Studio":
        import httpx

        env = {**os.environ, "STUDIO_REDIS_URL": self.redis_url, "STUDIO_DATA_DIR": str(self.data_dir),
               "STUDIO_PORT": str(self.port), "STUDIO_HOST": "127.0.0.1", "STUDIO_LOG_LEVEL": "WARNING"}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)

        def healthy() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"the studio exited:\n{self.log_path.read_text(errors='replace')[-4000:]}")
            try:
                return httpx.get(f"{self.base}/healthz", timeout=2).json().get("mode") == "redis"
            except httpx.HTTPError:
                return False

        wait_for(healthy, 120, "the studio to answer /healthz", interval=0.25)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


class OthersCpu:
    """CPU time used by processes outside this benchmark while a measurement runs, as a share of the machine:
    all busy time in /proc/stat minus this process tree's (the bench, its descendants, alive or reaped, and
    its redis-server). The bench shares its cores with whatever else runs on the machine."""

    def __init__(self, ours: set[int]):
        self.ours = ours  # pids of ours that are not our descendants (the daemonized redis-server)
        self.tick = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _busy() -> int:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields[:8]) - fields[3] - fields[4]  # user … steal, less idle and iowait (guest is in user)

    def _ours(self) -> int:
        table = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    raw = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = raw[raw.rindex(")") + 2:].split()
                # ppid; utime + stime + cutime + cstime (reaped children's time stays with their parent)
                table[int(entry.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
        mine, changed = {os.getpid(), *self.ours}, True
        while changed:
            changed = False
            for pid, (ppid, _) in table.items():
                if ppid in mine and pid not in mine:
                    mine.add(pid)
                    changed = True
        return sum(ticks for pid, (_, ticks) in table.items() if pid in mine)

    def __enter__(self) -> "OthersCpu":
        self._t, self._b, self._o = time.monotonic(), self._busy(), self._ours()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.monotonic() - self._t
        ticks = (self._busy() - self._b) - (self._ours() - self._o)
        self.share = max(0.0, ticks / self.tick / (wall * (os.cpu_count() or 1)))

    def __str__(self) -> str:
        return f"{self.share:.0%}"


class Sampler:
    """Samples VmRSS of one process every `interval` s in a thread; `mark(phase)` starts a new phase."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.phase = "idle"
        self.peaks: dict[str, int] = {}
        self.hwm_at_end: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Sampler":
        self._thread.start()
        return self

    def _sample(self) -> dict[str, int]:
        m = memory_kb(self.pid)
        if m:
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), m["VmRSS"])
        return m

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.interval)

    def mark(self, phase: str) -> None:
        m = self._sample()
        self.hwm_at_end[self.phase] = m.get("VmHWM", 0)
        self.phase = phase
        self._sample()

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        m = self._sample()
        self.hwm_at_end[self.phase] = m.get("VmHWM", 0)
        return m


# -- inputs -----------------------------------------------------------------------------------------
def tiny_png() -> bytes:
    rng = np.random.default_rng(0)
    pixels = np.full((64, 64, 3), 235, np.uint8)
    pixels[16:48, 20:44] = rng.integers(0, 255, (32, 24, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def synthetic_jpeg(i: int) -> bytes:
    """A 400x300 product-like photo, ~50-100 kB: a noisy object on a noisy background."""
    rng = np.random.default_rng(i)
    pixels = rng.normal(200, 25, (300, 400, 3)).clip(0, 255).astype(np.uint8)
    y, x = np.ogrid[:300, :400]
    inside = ((x - 200) / 120) ** 2 + ((y - 150) / 100) ** 2 < 1
    pixels[inside] = rng.normal(90 + i % 60, 40, (int(inside.sum()), 3)).clip(0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def photos(data: Path, count: int) -> tuple[list[tuple[str, bytes]], str]:
    """`count` named JPEGs: the data set's photos in order (cycled when it has fewer), else synthetic ones."""
    files = sorted((data / "images").glob("*.jpg")) if (data / "images").is_dir() else []
    if files:
        loaded = [(f.name, f.read_bytes()) for f in files]
        cycled = len(loaded) < count
        out = [(f"{i:05d}-{loaded[i % len(loaded)][0]}" if cycled else loaded[i][0], loaded[i % len(loaded)][1])
               for i in range(count)]
        source = f"{data.name} photos" + (f" ({len(loaded)} distinct, cycled)" if cycled else "")
    else:
        out = [(f"synthetic-{i:05d}.jpg", synthetic_jpeg(i)) for i in range(count)]
        source = "synthetic 400x300 JPEGs"
    sizes = [len(b) for _, b in out]
    return out, f"{source}, {statistics.mean(sizes) / 1024:.0f} kB mean"


# -- measurements -----------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def wait_done(store, job_ids: list[str], timeout: float, interval: float) -> list:
    deadline = time.monotonic() + timeout
    while True:
        records = store.jobs(job_ids)
        if all(r is not None and r.terminal for r in records):
            return records
        if time.monotonic() > deadline:
            stuck = [r for r in records if r is None or not r.terminal]
            where = "; ".join(f"{r.id} {r.state} attempt {r.attempts}, step {r.step}/{r.total_steps} "
                              f"{r.message!r}, started {time.time() - r.started:.0f} s ago" if r and r.started
                              else f"{r.id if r else '?'} {r.state if r else 'missing'}" for r in stuck[:5])
            raise RuntimeError(f"{len(stuck)} of {len(records)} jobs not finished after {timeout} s: {where}")
        time.sleep(interval)


def latency(store, enqueue, jobs: int, warmup: int, gap_s: float) -> dict:
    """Jobs one at a time: store the record, enqueue it, wait for its end, pause `gap_s`, next."""
    options = WhiteBackgroundJob(preset=PRESET, model=MODEL).model_dump(mode="json")
    queue = queue_name("batch", REGISTRY[MODEL].family)
    batch = store.create_batch("bench", options)
    data = tiny_png()
    rows = []
    for i in range(warmup + jobs):
        record = store.add_job(batch.id, f"tiny-{i}.png", KIND, options, queue, data=data)
        time.sleep(gap_s)  # the worker is idle and waiting on the queue when the job arrives
        before = time.time()
        enqueue(record.id, queue)
        after = time.time()
        done = wait_done(store, [record.id], 60, 0.002)[0]
        if done.state != "done":
            raise RuntimeError(f"latency job {i} ended {done.state}: {done.error}")
        if i >= warmup:
            rows.append((after - before, done.started - before, done.finished - done.started,
                         done.finished - before))
    cols = list(zip(*rows))
    return {"n": jobs, "call": cols[0], "start": cols[1], "run": cols[2], "total": cols[3]}


def gaps_between_jobs(records: list, slots: int) -> list[float]:
    """Idle time of a worker between two jobs: each job's `started` minus the `finished` of the job before it
    on the same worker. Jobs are matched to `slots` workers (one job at a time each) in order of start, each
    to the free worker that finished last; exact for one worker."""
    free: list[float] = []
    gaps = []
    for r in sorted((r for r in records if r.started and r.finished), key=lambda r: r.started):
        ready = [t for t in free if t <= r.started]
        if ready:
            last = max(ready)
            free.remove(last)
            gaps.append(r.started - last)
        elif len(free) + 1 > slots:  # overlaps every worker's current job: clocks disagree slightly
            free.remove(min(free))
        free.append(r.finished)
    return gaps


def throughput(store, batches: Batches, images: list[tuple[str, bytes]], slots: int) -> dict:
    job = WhiteBackgroundJob(preset=PRESET, model=MODEL)
    start = time.time()
    view, _ = batches.submit("bench", job, (InputItem(name, data=data) for name, data in images))
    submitted = time.time()
    records = wait_done(store, [j.id for j in view.jobs], 3600, 0.2)
    failed = [r for r in records if r.state != "done"]
    end = max(r.finished for r in records)
    runs = [r.finished - r.started for r in records if r.started]
    gaps = gaps_between_jobs(records, slots)
    return {"n": len(records), "submit": submitted - start, "wall": end - start, "ips": len(records) / (end - start),
            "failed": len(failed), "first_error": failed[0].error if failed else "",
            "run_p50": statistics.median(runs), "run_mean": statistics.mean(runs),
            "gap_p50": statistics.median(gaps) if gaps else float("nan"),
            "gap_p90": percentile(gaps, 90) if gaps else float("nan")}


def worker_memory(workers: list[CeleryWorker]) -> str:
    parts = []
    for w in workers:
        child = w.child_pid()
        m = memory_kb(child) if child else {}
        parts.append(f"{w.name} child {m.get('VmHWM', 0) / 1024:.0f} MB")
    return ", ".join(parts)


def memory_run(redis_url: str, store, tmp: Path, items: list[tuple[str, bytes]], as_zip: bool, process: bool,
               poll_s: float) -> dict:
    """One fresh studio, one batch POSTed (one zip or one part per image), optionally processed to the end."""
    import httpx

    label = "zip" if as_zip else "parts"
    studio = Studio(redis_url, tmp / f"studio-{label}", label)
    sampler = None
    try:
        studio.start()
        pid = studio.process.pid
        time.sleep(3)  # settle after start-up
        baseline = memory_kb(pid)
        sampler = Sampler(pid).start()
        form = {"preset": PRESET, "model": MODEL}
        if as_zip:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
                for name, data in items:
                    zf.writestr(name, data)
            files = [("files", ("catalog.zip", buffer.getvalue(), "application/zip"))]
        else:
            files = [("files", (name, data, "image/jpeg")) for name, data in items]
        body_mb = sum(len(d) for _, d in items) / 2**20
        sampler.mark("submit")
        with httpx.Client(base_url=studio.base, timeout=httpx.Timeout(1800)) as client:
            start = time.time()
            response = client.post("/v1/batches", data=form, files=files)
            submitted = time.time()
            if response.status_code != 202:
                raise RuntimeError(f"POST /v1/batches answered {response.status_code}: {response.text[:500]}")
            batch_id = response.json()["id"]
            sampler.mark("process")
            polls, poll_times, body = 0, [], response.json()
            if process:
                while True:
                    t = time.perf_counter()
                    got = client.get(f"/v1/batches/{batch_id}")
                    poll_times.append(time.perf_counter() - t)
                    polls += 1
                    got.raise_for_status()
                    body = got.json()
                    if body["state"] in ("done", "cancelled"):
                        break
                    time.sleep(poll_s)
            else:
                cancelled = client.delete(f"/v1/batches/{batch_id}")
                cancelled.raise_for_status()
                body = cancelled.json()
            ids = [item["id"] for item in body["items"]]
            finished = [r.finished for r in store.jobs(ids) if r is not None and r.finished]
            end = max(finished) if process and finished else time.time()
        final = sampler.stop()
        peaks, hwm, sampler = sampler.peaks, sampler.hwm_at_end, None
        return {"label": label, "n": len(items), "body_mb": body_mb, "baseline": baseline.get("VmRSS", 0),
                "submit_s": submitted - start, "wall": end - start, "peaks": peaks, "hwm": hwm,
                "final": final.get("VmRSS", 0), "processed": process, "counts": body["counts"], "polls": polls,
                "get_p50": statistics.median(poll_times) if poll_times else 0.0}
    finally:
        if sampler is not None:
            sampler.stop()
        studio.stop()


# -- main -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ecssd-dev",
                        help="photos for the throughput and memory runs (images/*.jpg); synthetic when absent")
    parser.add_argument("--jobs", type=int, default=200, help="latency: jobs, one at a time (200)")
    parser.add_argument("--gap-ms", type=float, default=50, help="latency: idle pause before each enqueue (50)")
    parser.add_argument("--images", type=int, default=60, help="throughput: images in the batch (60)")
    parser.add_argument("--items", type=int, default=1000, help="memory: images in the web batch (1000)")
    parser.add_argument("--poll-s", type=float, default=1.0, help="memory: GET /v1/batches/{id} interval (1 s)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 jobs, 8 images, 40 items")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-parts", action="store_true", help="memory: no separate-parts submission run")
    parser.add_argument("--skip-embedded", action="store_true", help="no embedded-mode baseline rows")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) and print it")
    args = parser.parse_args()

    def terminate(signum, _frame):
        raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop our processes

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)  # also when started in the background, where SIGINT is ignored
    signal.signal(signal.SIGHUP, terminate)
    if args.quick:
        args.jobs, args.images, args.items = 20, 8, 40
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed")

    tmp = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    stoppers: list = []
    failed = True
    try:
        run(args, tmp, stoppers)
        failed = False
    finally:
        for stop in reversed(stoppers):
            try:
                stop()
            except Exception as exc:  # keep stopping the others
                print(f"warning: stopping failed: {exc}", file=sys.stderr)
        if args.keep or failed:
            print(f"\n(logs and data kept in {tmp})", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path, stoppers: list) -> None:
    import celery
    import redis as redis_py

    import onnxruntime

    worker_dir = tmp / "worker"
    models_dir = worker_dir / "models"
    prepared = ROOT / ".test-models" / MODEL
    if prepared.is_dir():
        shutil.copytree(prepared, models_dir / MODEL)
    ModelStore(models_dir).pull(MODEL)  # verifies the copy, or fetches it

    redis_server = RedisServer(tmp / "redis")
    stoppers.append(redis_server.stop)
    redis_server.start()
    ours = {int(redis_server.pidfile.read_text())}

    def others() -> OthersCpu:
        return OthersCpu(ours)
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(f"\nmachine: {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, Celery {celery.__version__}, redis-server {redis_version.split('=')[-1]}, "
          f"redis-py {redis_py.__version__}, onnxruntime {onnxruntime.__version__}; model {MODEL}, preset {PRESET}")
    print("\n\"others' CPU\" in each row: share of the machine's CPU used meanwhile by processes outside this "
          "benchmark (above a few % the row was disturbed).")
    sys.stdout.flush()

    store = RedisJobStore.from_url(redis_server.url)
    app = create_celery(QueueConfig(redis_server.url))
    dispatcher = CeleryDispatcher(app)
    stoppers.append(app.close)

    workers: list[CeleryWorker] = []

    def add_worker() -> None:
        worker = CeleryWorker(redis_server.url, worker_dir, f"w{len(workers) + 1}", worker_models=MODEL)
        stoppers.append(worker.stop)
        worker.start()
        workers.append(worker)

    add_worker()

    embedded = None
    if not args.skip_embedded and not (args.skip_latency and args.skip_throughput):
        from workers.embedded import EmbeddedQueue
        from workers.runtime import JobRuntime
        from workers.local_store import LocalJobStore

        local = LocalJobStore(tmp / "embedded" / "jobs")
        models = ModelStore(models_dir)
        models.session(MODEL)
        embedded_queue = EmbeddedQueue(JobRuntime(local, models)).start()
        stoppers.append(lambda: (embedded_queue.stop(30), local.close()))
        embedded = (local, embedded_queue)

    if not args.skip_latency:
        rows = []
        with others() as load:
            result = latency(store, dispatcher.enqueue, args.jobs, 5, args.gap_ms / 1e3)
        rows.append(("Celery worker (Redis), 1 process", result, load))
        if embedded:
            with others() as load:
                result = latency(embedded[0], embedded[1].enqueue, args.jobs, 5, args.gap_ms / 1e3)
            rows.append(("embedded (thread + SQLite)", result, load))
        print(f"\n### 1. Enqueue-to-start latency, {args.jobs} jobs one at a time (idle warm worker, "
              f"{args.gap_ms:.0f} ms pause before each enqueue)\n")
        print("Job: one 64x64 PNG through the whole white-background job (it succeeds). Clock: `time.time()` just "
              "before `enqueue(job_id, queue)` (record already stored) to the record's `started` (written by the "
              "worker's `begin`); `run` = `started` to `finished`.\n")
        print("| mode | enqueue call p50 | enqueue→started p50 | p99 | max | run p50 | enqueue→finished p50 | p99 "
              "| others' CPU |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, r, load in rows:
            ms = lambda v: f"{v * 1e3:.2f} ms"  # noqa: E731
            print(f"| {name} | {ms(statistics.median(r['call']))} | {ms(statistics.median(r['start']))} | "
                  f"{ms(percentile(r['start'], 99))} | {ms(max(r['start']))} | {ms(statistics.median(r['run']))} | "
                  f"{ms(statistics.median(r['total']))} | {ms(percentile(r['total'], 99))} | {load} |")
        sys.stdout.flush()

    if not args.skip_throughput:
        images, source = photos(args.data, args.images)
        rows = []
        redis_batches = Batches(store, dispatcher)
        with others() as load:
            result = throughput(store, redis_batches, images, 1)
        rows.append(("Celery (Redis), 1 worker process", result, worker_memory(workers), load))
        add_worker()
        with others() as load:
            result = throughput(store, redis_batches, images, 2)
        rows.append(("Celery (Redis), 2 worker processes", result, worker_memory(workers), load))
        if embedded:
            with others() as load:
                result = throughput(embedded[0], Batches(embedded[0], embedded[1]), images, 1)
            rows.append(("embedded (thread + SQLite)", result,
                         f"bench process {memory_kb(os.getpid()).get('VmHWM', 0) / 1024:.0f} MB", load))
        print(f"\n### 2. Batch throughput, {len(images)} images ({source}), preset {PRESET}, {MODEL}, "
              f"{os.cpu_count()} CPU cores\n")
        print("Wall = start of `Batches.submit` to the last job's `finished`. Job run = `started` to `finished` (in the "
              "worker). Gap = a worker's idle time between two jobs while the batch still has queued ones: `started` "
              "minus the `finished` of the same worker's previous job (two workers: matched to jobs by time).\n")
        print("| mode | images | failed | submit | wall | images/s | job run p50 / mean | gap between jobs p50 / p90 "
              "| peak RSS (VmHWM) | others' CPU |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, r, mem, load in rows:
            print(f"| {name} | {r['n']} | {r['failed']} | {r['submit']:.2f} s | {r['wall']:.1f} s | {r['ips']:.2f} | "
                  f"{r['run_p50'] * 1e3:.0f} / {r['run_mean'] * 1e3:.0f} ms | {r['gap_p50'] * 1e3:.1f} / {r['gap_p90'] * 1e3:.1f} ms | "
                  f"{mem} | {load} |")
            if r["failed"]:
                print(f"\n(first failure: {r['first_error']})\n")
        sys.stdout.flush()

    if embedded:  # its thread must not compete with the workers for the CPU from here on
        embedded[1].stop(30)

    if not args.skip_memory:
        while len(workers) < 2:
            add_worker()
        items, source = photos(args.data, args.items)
        with others() as load:
            runs = [memory_run(redis_server.url, store, tmp, items, as_zip=True, process=True, poll_s=args.poll_s)]
        runs[0]["workers"], runs[0]["others"] = worker_memory(workers), load
        if not args.skip_parts:
            with others() as load:
                runs.append(memory_run(redis_server.url, store, tmp, items, as_zip=False, process=False,
                                       poll_s=args.poll_s))
            runs[1]["others"] = load
        print(f"\n### 3. Web process memory (`python app.py`, Redis mode, 2 worker processes), one batch of "
              f"{args.items} images ({source})\n")
        print("RSS of the studio process from /proc/<pid>/status: baseline = VmRSS 3 s after /healthz answered; "
              "peaks = highest VmRSS sampled every 50 ms in each phase; VmHWM = the kernel's high-water mark at the "
              f"end of the phase. Processing = until GET /v1/batches/{{id}} says done, polled every {args.poll_s:g} s.\n")
        print("| upload | body | baseline RSS | POST time | peak RSS (submit) | VmHWM after submit | "
              "peak RSS (processing) | VmHWM at end | RSS at end | batch wall | images/s | done / failed | GET p50 | "
              "others' CPU |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        mb = lambda kb: f"{kb / 1024:.0f} MB"  # noqa: E731
        for r in runs:
            upload = "one zip" if r["label"] == "zip" else f"{r['n']} `files` parts"
            cells = [upload, f"{r['body_mb']:.0f} MB", mb(r["baseline"]), f"{r['submit_s']:.1f} s",
                     mb(r["peaks"].get("submit", 0)), mb(r["hwm"].get("submit", 0))]
            c = r["counts"]
            if r["processed"]:
                cells += [mb(r["peaks"].get("process", 0)), mb(r["hwm"].get("process", 0)), mb(r["final"]),
                          f"{r['wall']:.0f} s", f"{r['n'] / r['wall']:.2f}", f"{c['done']} / {c['failed']}",
                          f"{r['get_p50'] * 1e3:.0f} ms ({r['polls']} polls)"]
            else:
                cells += ["not processed: cancelled after the POST", mb(r["hwm"].get("process", 0)), mb(r["final"]),
                          "–", "–", f"{c['done']} / {c['failed']} ({c['cancelled']} cancelled)", "–"]
            print("| " + " | ".join(cells + [str(r["others"])]) + " |")
        print(f"\nworker children's peak RSS over the whole run: {runs[0]['workers']}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
