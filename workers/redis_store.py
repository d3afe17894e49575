"""The job store on Redis, shared by the web process and the workers (they share nothing else).

Keys (all expire after the retention period, counted from the last write):
    studio:batch:<id>              hash   owner, options, created, fingerprint, receiving
    studio:batch:<id>:jobs         list   job ids in upload order
    studio:idem:<owner>:<key>      string batch id for an Idempotency-Key
    studio:job:<id>                hash   the JobRecord fields
    studio:job:<id>:input          bytes  the uploaded image
    studio:job:<id>:blob:<name>    bytes  outputs, written by the same script that marks the job done
Decisions that must not race (begin, finish, fail, cancel) are Lua scripts, which Redis runs atomically.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from workers.errors import QueueUnavailable
from workers.records import BatchRecord, JobOutput, JobRecord, Start, dumps, gave_up_message
from workers.store import JobStore, new_id

PREFIX = "studio"

_BEGIN = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', 0} end
if state == 'done' or state == 'failed' or state == 'cancelled' then return {'skip', 0} end
if redis.call('HGET', KEYS[1], 'cancel') == '1' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished', ARGV[2])
  return {'cancelled', 0}
end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts > tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'state', 'failed', 'finished', ARGV[2], 'error', ARGV[3])
  return {'gave_up', attempts - 1}
end
redis.call('HSET', KEYS[1], 'state', 'running', 'started', ARGV[2], 'step', 0, 'message', 'starting')
return {'run', attempts}
"""

# KEYS: job hash, then one key per blob; ARGV: now, result summary, ttl, then one value per blob
_FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'running' and state ~= 'queued' then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 2], 'EX', ARGV[3]) end
redis.call('HSET', KEYS[1], 'state', 'done', 'finished', ARGV[1], 'result', ARGV[2], 'message', 'done',
           'step', redis.call('HGET', KEYS[1], 'total_steps'))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

_END = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'done' or state == 'failed' or state == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finished', ARGV[2], 'error', ARGV[3])
return 1
"""

_CANCEL = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'queued' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished', ARGV[1], 'cancel', '1')
elseif state == 'running' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
end
return state
"""

_FIELDS = ("batch_id", "name", "kind", "options", "queue", "state", "attempts", "step", "total_steps", "message",
           "error", "result", "created", "started", "finished", "cancel")


def _guarded(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise QueueUnavailable(f"the job store at {self.where} cannot be reached ({exc}); try again shortly") from None
    return wrapper


def connect(url: str, retries: int = 3) -> redis.Redis:
    """A client that rides out short outages (a Redis restart) by retrying with backoff."""
    return redis.Redis.from_url(
        url, retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError], socket_connect_timeout=5, health_check_interval=30,
    )


class RedisJobStore(JobStore):
    def __init__(self, client: redis.Redis, retention_s: int = 7 * 24 * 3600):
        self.client = client
        self.retention_s = retention_s
        kwargs = client.connection_pool.connection_kwargs
        self.where = f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
        self._begin = client.register_script(_BEGIN)
        self._finish = client.register_script(_FINISH)
        self._end = client.register_script(_END)
        self._cancel = client.register_script(_CANCEL)

    @classmethod
    def from_url(cls, url: str, retention_s: int = 7 * 24 * 3600, retries: int = 3) -> "RedisJobStore":
        return cls(connect(url, retries), retention_s)

    # -- keys -------------------------------------------------------------------------------------
    @staticmethod
    def _job(job_id: str) -> str:
        return f"{PREFIX}:job:{job_id}"

    @staticmethod
    def _batch(batch_id: str) -> str:
        return f"{PREFIX}:batch:{batch_id}"

    # -- batches ----------------------------------------------------------------------------------
    @_guarded
    def create_batch(self, owner, options, fingerprint=""):
        record = BatchRecord(new_id(), owner, options, time.time(), fingerprint, receiving=True)
        key = self._batch(record.id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"owner": owner, "options": dumps(options), "created": record.created,
                                    "fingerprint": fingerprint, "receiving": 1})
            pipe.expire(key, self.retention_s)
            pipe.execute()
        return record

    def _idem(self, owner: str, key: str) -> str:
        return f"{PREFIX}:idem:{owner}:{hashlib.sha256(key.encode()).hexdigest()}"

    @_guarded
    def lookup_key(self, owner, key):
        found = self.client.get(self._idem(owner, key))
        return found.decode() if found else None

    @_guarded
    def claim_key(self, owner, key, batch_id):
        if self.client.set(self._idem(owner, key), batch_id, nx=True, ex=self.retention_s):
            return batch_id
        return self.lookup_key(owner, key)

    @_guarded
    def seal_batch(self, batch_id):
        self.client.hset(self._batch(batch_id), "receiving", 0)

    @_guarded
    def batch(self, batch_id):
        raw = self.client.hgetall(self._batch(batch_id))
        if not raw:
            return None
        v = {k.decode(): x.decode() for k, x in raw.items()}
        return BatchRecord(batch_id, v["owner"], json.loads(v["options"]), float(v["created"]), v["fingerprint"],
                           v["receiving"] == "1")

    @_guarded
    def batch_job_ids(self, batch_id):
        return [x.decode() for x in self.client.lrange(f"{self._batch(batch_id)}:jobs", 0, -1)]

    # -- jobs -------------------------------------------------------------------------------------
    @_guarded
    def add_job(self, batch_id, name, kind, options, queue, data=None, error=None):
        now = time.time()
        record = JobRecord(new_id(), batch_id, name, kind, options, queue, "failed" if error else "queued",
                           error=error, created=now, finished=now if error else None)
        key, ttl = self._job(record.id), self.retention_s
        fields = {"batch_id": batch_id, "name": name, "kind": kind, "options": dumps(options), "queue": queue,
                  "state": record.state, "attempts": 0, "step": 0, "total_steps": 0, "message": "queued",
                  "error": error or "", "result": "{}", "created": now, "started": "", "finished": record.finished or "",
                  "cancel": 0}
        with self.client.pipeline() as pipe:
            if data is not None:
                pipe.set(f"{key}:input", data, ex=ttl)
            pipe.hset(key, mapping=fields)
            pipe.expire(key, ttl)
            pipe.rpush(f"{self._batch(batch_id)}:jobs", record.id)
            pipe.expire(f"{self._batch(batch_id)}:jobs", ttl)
            pipe.expire(self._batch(batch_id), ttl)
            pipe.execute()
        return record

    @_guarded
    def jobs(self, job_ids):
        ids = list(job_ids)
        with self.client.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hmget(self._job(job_id), _FIELDS)
            rows = pipe.execute()
        return [_record(job_id, row) for job_id, row in zip(ids, rows)]

    @_guarded
    def read_input(self, job_id):
        return self.client.get(f"{self._job(job_id)}:input")

    @_guarded
    def read_blob(self, job_id, name):
        return self.client.get(f"{self._job(job_id)}:blob:{name}")

    # -- lifecycle --------------------------------------------------------------------------------
    @_guarded
    def begin(self, job_id, max_attempts):
        action, attempts = self._begin(keys=[self._job(job_id)],
                                       args=[max_attempts, time.time(), gave_up_message(max_attempts)])
        return Start(action.decode(), int(attempts))

    @_guarded
    def progress(self, job_id, step, total, message):
        key = self._job(job_id)
        with self.client.pipeline() as pipe:
            pipe.hset(key, mapping={"step": step, "total_steps": total, "message": message})
            pipe.hget(key, "cancel")
            return pipe.execute()[1] == b"1"

    @_guarded
    def finish(self, job_id, output: JobOutput):
        key = self._job(job_id)
        names = list(output.blobs)
        done = self._finish(keys=[key, *(f"{key}:blob:{n}" for n in names)],
                            args=[time.time(), dumps(output.summary), self.retention_s,
                                  *(output.blobs[n] for n in names)])
        if done:
            self.client.delete(f"{key}:input")  # the input is not needed once the result exists
        return bool(done)

    @_guarded
    def fail(self, job_id, error):
        return bool(self._end(keys=[self._job(job_id)], args=["failed", time.time(), error]))

    @_guarded
    def mark_cancelled(self, job_id):
        return bool(self._end(keys=[self._job(job_id)], args=["cancelled", time.time(), ""]))

    @_guarded
    def cancel(self, job_ids):
        now = time.time()
        with self.client.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                self._cancel(keys=[self._job(job_id)], args=[now], client=pipe)
            pipe.execute()

    @_guarded
    def ping(self):
        self.client.ping()


def _record(job_id: str, row: list) -> JobRecord | None:
    if row[0] is None:
        return None
    v = dict(zip(_FIELDS, (x.decode() if x is not None else "" for x in row)))
    return JobRecord(
        id=job_id, batch_id=v["batch_id"], name=v["name"], kind=v["kind"], options=json.loads(v["options"]),
        queue=v["queue"], state=v["state"], attempts=int(v["attempts"] or 0), step=int(v["step"] or 0),
        total_steps=int(v["total_steps"] or 0), message=v["message"], error=v["error"] or None,
        result=json.loads(v["result"] or "{}"), created=float(v["created"] or 0),
        started=float(v["started"]) if v["started"] else None,
        finished=float(v["finished"]) if v["finished"] else None, cancel_requested=v["cancel"] == "1",
    )
