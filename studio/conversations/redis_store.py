"""The conversation store on Redis, for studios whose web processes share a Redis (the worker tier's).

Keys (none expire: a conversation stays until it is deleted; with assets/redis.conf's `noeviction`, a full
Redis refuses new writes, reported as StoreUnavailable, rather than dropping conversations):
    studio:conv:<id>                          string  the Conversation record (JSON)
    studio:conv:<id>:versions                 hash    version id -> the Version record (JSON)
    studio:conv:<id>:image:<version id>       bytes   the encoded picture, written once
    studio:conv:<id>:blob:<version id>:<name> bytes   the version's extra files ("mask", …), written once
    studio:owner:<owner>:conversations        zset    conversation ids scored by their `updated` time

A change is an optimistic transaction: WATCH the record and the versions, read them, decide (tree.py),
then MULTI/EXEC the writes. If another client wrote either key in between, EXEC fails and the change is
decided again on what is there now, where a moved revision becomes a ConversationConflict.
Pictures live in Redis too, so its memory grows with every version (about 1-2 MB per 1024 px PNG).
"""

from __future__ import annotations

import functools
import json

import redis

from studio.conversations.errors import ConversationConflict, StoreUnavailable
from studio.conversations.records import Conversation, Version, dumps
from studio.conversations.store import IMAGE, ConversationStore
from workers.redis_store import connect

PREFIX = "studio"


def _guarded(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except redis.exceptions.OutOfMemoryError:
            raise StoreUnavailable(
                f"the conversation store at {self.where} is full (Redis reached its memory limit and refuses "
                "writes rather than dropping data); nothing was changed — delete old conversations or give "
                "Redis more memory (maxmemory)") from None
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(f"the conversation store at {self.where} cannot be reached ({exc}); your "
                                   "conversations are kept there — try again shortly") from None
    return wrapper


class RedisConversationStore(ConversationStore):
    def __init__(self, client: redis.Redis, max_attempts: int = 20):
        self.client = client
        self.max_attempts = max_attempts
        kwargs = client.connection_pool.connection_kwargs
        self.where = f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"

    @classmethod
    def from_url(cls, url: str, retries: int = 3) -> "RedisConversationStore":
        """A store whose client rides out short outages (a Redis restart) by retrying with backoff."""
        return cls(connect(url, retries))

    # -- keys -------------------------------------------------------------------------------------
    @staticmethod
    def _key(conversation_id: str) -> str:
        return f"{PREFIX}:conv:{conversation_id}"

    def _versions_key(self, conversation_id: str) -> str:
        return f"{self._key(conversation_id)}:versions"

    def _file_key(self, conversation_id: str, version_id: str, name: str) -> str:
        if name == IMAGE:
            return f"{self._key(conversation_id)}:image:{version_id}"
        return f"{self._key(conversation_id)}:blob:{version_id}:{name}"

    @staticmethod
    def _owner_key(owner: str) -> str:
        return f"{PREFIX}:owner:{owner}:conversations"

    # -- primitives -------------------------------------------------------------------------------
    @_guarded
    def _insert(self, conversation, version, files):
        with self.client.pipeline() as pipe:
            for name, data in files.items():
                pipe.set(self._file_key(conversation.id, version.id, name), data)
            pipe.hset(self._versions_key(conversation.id), version.id, dumps(version.to_dict()))
            pipe.set(self._key(conversation.id), dumps(conversation.to_dict()))
            pipe.zadd(self._owner_key(conversation.owner), {conversation.id: conversation.updated})
            pipe.execute()

    @_guarded
    def _record(self, conversation_id):
        raw = self.client.get(self._key(conversation_id))
        return Conversation.from_dict(json.loads(raw)) if raw else None

    @_guarded
    def _load(self, conversation_id):
        # Not MULTI: a full Redis refuses to queue commands in MULTI, and reading must still work then.
        # The record is read before the versions, and versions only ever grow (until a delete), so every
        # version the record names is in the versions read after it, unless a delete came in between.
        with self.client.pipeline(transaction=False) as pipe:
            pipe.get(self._key(conversation_id))
            pipe.hgetall(self._versions_key(conversation_id))
            raw, versions = pipe.execute()
        loaded = _parse(raw, versions)
        if loaded is None or loaded[0].head not in loaded[1]:
            return None
        return loaded

    @_guarded
    def _list(self, owner):
        ids = self.client.zrevrange(self._owner_key(owner), 0, -1)
        if not ids:
            return []
        raws = self.client.mget([self._key(i.decode()) for i in ids])
        return [Conversation.from_dict(json.loads(raw)) for raw in raws if raw]

    @_guarded
    def _read_file(self, conversation_id, version_id, name):
        return self.client.get(self._file_key(conversation_id, version_id, name))

    @_guarded
    def _apply(self, conversation_id, decide, files):
        key, versions_key = self._key(conversation_id), self._versions_key(conversation_id)
        with self.client.pipeline() as pipe:
            for _ in range(self.max_attempts):
                try:
                    pipe.watch(key, versions_key)
                    loaded = self._read_watched(pipe, conversation_id)
                    if loaded is None:
                        return None
                    change = decide(*loaded)
                    if change.version is None and not change.moved:
                        return change
                    pipe.multi()
                    if change.version is not None:
                        for name, data in files.items():
                            pipe.set(self._file_key(conversation_id, change.version.id, name), data)
                        pipe.hset(versions_key, change.version.id, dumps(change.version.to_dict()))
                    if change.moved:
                        pipe.set(key, dumps(change.conversation.to_dict()))
                        pipe.zadd(self._owner_key(change.conversation.owner),
                                  {conversation_id: change.conversation.updated})
                    pipe.execute()
                    return change
                except redis.WatchError:
                    continue  # someone wrote in between: decide again on what is there now
        raise ConversationConflict(f"this conversation is being changed by many windows at once ({self.max_attempts} "
                                   "tries in a row lost); nothing was changed — wait a moment and try again")

    def _read_watched(self, pipe, conversation_id):
        """The state under WATCH (immediate reads on the watching connection)."""
        return _parse(pipe.get(self._key(conversation_id)), pipe.hgetall(self._versions_key(conversation_id)))

    @_guarded
    def _remove(self, conversation_id):
        key, versions_key = self._key(conversation_id), self._versions_key(conversation_id)
        with self.client.pipeline() as pipe:
            for _ in range(self.max_attempts):
                try:
                    pipe.watch(key, versions_key)
                    raw = pipe.get(key)
                    if raw is None:
                        return False
                    owner = json.loads(raw)["owner"]
                    versions = [Version.from_dict(json.loads(v)) for v in pipe.hvals(versions_key)]
                    files = [self._file_key(conversation_id, v.id, name) for v in versions for name in (IMAGE, *v.blobs)]
                    pipe.multi()
                    pipe.delete(key, versions_key, *files)
                    pipe.zrem(self._owner_key(owner), conversation_id)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue
        raise ConversationConflict(f"this conversation is being changed by many windows at once ({self.max_attempts} "
                                   "tries in a row lost); it was not deleted — wait a moment and try again")

    # -- service ----------------------------------------------------------------------------------
    @_guarded
    def ping(self):
        self.client.ping()

    def close(self):
        self.client.close()


def _parse(raw: bytes | None, versions: dict) -> tuple[Conversation, dict[str, Version]] | None:
    if raw is None:
        return None
    parsed = (Version.from_dict(json.loads(v)) for v in versions.values())
    return Conversation.from_dict(json.loads(raw)), {v.id: v for v in parsed}
