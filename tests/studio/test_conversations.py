"""The conversation store: the same contract on both stores (SQLite + files, and Redis) — the version tree,
persistence across a restart, and concurrent edits of one conversation that never lose an update."""

from __future__ import annotations

import threading

import pytest

from pipelines.errors import InvalidOptions
from studio.conversations import (
    ConversationConflict,
    ConversationNotFound,
    LocalConversationStore,
    NothingToRedo,
    NothingToUndo,
    RedisConversationStore,
    StoreUnavailable,
    VersionNotFound,
)
from studio.conversations import tree
from studio.conversations.records import Conversation, Version
from tests.services import free_port

OWNER = "designer"


def picture(n: int) -> bytes:
    """Distinct bytes standing for an encoded picture (the store keeps bytes exactly as given)."""
    return b"\x89PNG\r\n\x1a\n" + n.to_bytes(4, "big") * 64


def fields(n: int, **extra) -> dict:
    return {"instruction": f"round {n}", "operation": "add", "width": 64, "height": 48, "prompt": f"a lamp {n}",
            "seed": n, "model": "tiny", "parameters": {"num_inference_steps": 2, "guidance_scale": 7.5},
            "layout": {"last": "lamp", "objects": [{"name": "lamp", "box": [0.0, 0.5, 0.5, 1.0]}]},
            "plan": {"action": "add", "cell": "bottom-left"}, "notes": [f"note {n}"], **extra}


class Backend:
    """Opens store instances over the same data, as separate processes (or a restarted studio) would."""

    def __init__(self, kind: str, tmp_path, redis_server=None):
        self.kind, self.tmp_path, self.redis_server = kind, tmp_path, redis_server
        self.opened: list = []

    def open(self):
        if self.kind == "local":
            store = LocalConversationStore(self.tmp_path / "conversations")
        else:
            store = RedisConversationStore.from_url(self.redis_server.url)
        self.opened.append(store)
        return store

    def restart(self):
        """Close every instance (and, for Redis, restart the server on its append-only file); a new one."""
        for store in self.opened:
            store.close()
        if self.redis_server is not None:
            self.redis_server.stop()
            self.redis_server.start()
        return self.open()

    def close(self):
        for store in self.opened:
            store.close()


@pytest.fixture(params=["local", "redis"])
def backend(request, tmp_path):
    server = request.getfixturevalue("redis_server") if request.param == "redis" else None
    opened = Backend(request.param, tmp_path, server)
    yield opened
    opened.close()


@pytest.fixture
def store(backend):
    return backend.open()


# -- the tree -------------------------------------------------------------------------------------
def test_create_gives_version_one_with_the_uploaded_picture(store):
    conversation, first = store.create(OWNER, "  desk.jpg ", picture(1), 64, 48)
    assert (conversation.title, conversation.owner, conversation.revision) == ("desk.jpg", OWNER, 1)
    assert conversation.head == first.id and conversation.redo == ()
    assert (first.number, first.operation, first.parent_id, first.width, first.height) == (1, "upload", None, 64, 48)
    assert store.image(conversation.id, first.id) == picture(1)
    assert store.conversation(conversation.id) == conversation
    assert store.versions(conversation.id) == [first]
    assert store.conversations(OWNER) == [conversation]
    assert store.conversations("someone else") == []


def test_undo_redo_branch_restore(store):
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    revisions = [conversation.revision]

    def step(result):
        changed = result[0] if isinstance(result, tuple) else result
        revisions.append(changed.revision)
        return result

    conversation, v2 = step(store.add_version(conversation.id, conversation.revision, v1.id, picture(2), **fields(2)))
    conversation, v3 = step(store.add_version(conversation.id, conversation.revision, v2.id, picture(3), **fields(3)))
    assert (v2.number, v3.number, v3.parent_id, conversation.head) == (2, 3, v2.id, v3.id)

    conversation = step(store.undo(conversation.id, conversation.revision))
    assert (conversation.head, conversation.redo) == (v2.id, (v3.id,))
    conversation = step(store.undo(conversation.id, conversation.revision))
    assert (conversation.head, conversation.redo) == (v1.id, (v2.id, v3.id))
    with pytest.raises(NothingToUndo, match="nothing to undo: version 1 is the picture"):
        store.undo(conversation.id, conversation.revision)
    assert store.conversation(conversation.id) == conversation  # a refused request changes nothing

    conversation = step(store.redo(conversation.id, conversation.revision))
    assert (conversation.head, conversation.redo) == (v2.id, (v3.id,))

    # a new round from version 2 starts a branch beside version 3 and clears redo
    conversation, v4 = step(store.add_version(conversation.id, conversation.revision, v2.id, picture(4), **fields(4)))
    assert (conversation.head, conversation.redo, v4.parent_id) == (v4.id, (), v2.id)
    with pytest.raises(NothingToRedo, match="nothing to redo"):
        store.redo(conversation.id, conversation.revision)

    conversation = step(store.branch(conversation.id, conversation.revision, v3.id))
    assert (conversation.head, conversation.redo) == (v3.id, ())
    conversation = step(store.undo(conversation.id, conversation.revision))
    assert conversation.head == v2.id

    conversation, v5 = step(store.restore(conversation.id, conversation.revision, v1.id))
    assert (v5.number, v5.operation, v5.parent_id, v5.source_id, conversation.head) == (5, "restore", v2.id, v1.id, v5.id)
    assert store.image(conversation.id, v5.id) == picture(1)
    assert (v5.width, v5.height, v5.layout) == (v1.width, v1.height, v1.layout)

    conversation = step(store.rename(conversation.id, conversation.revision, "desk, lamp version"))
    assert conversation.title == "desk, lamp version"

    assert revisions == list(range(1, len(revisions) + 1))  # +1 per change, nothing skipped
    versions = store.versions(conversation.id)
    assert [v.number for v in versions] == [1, 2, 3, 4, 5]
    assert [v.parent_id for v in versions] == [None, v1.id, v2.id, v2.id, v2.id]
    assert [store.image(conversation.id, v.id) for v in versions] == [picture(n) for n in (1, 2, 3, 4, 1)]
    assert [v.id for v in tree.lineage({v.id: v for v in versions}, v3.id)] == [v1.id, v2.id, v3.id]


def test_a_version_records_what_reproduces_it(store):
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    mask = b"mask bytes"
    _, v2 = store.add_version(conversation.id, 1, v1.id, picture(2), job_id="job-1", blobs={"mask_in": mask},
                              negative_prompt="blurry", **fields(2))
    stored = store.version(conversation.id, v2.id)
    assert stored == v2
    assert (stored.instruction, stored.prompt, stored.negative_prompt, stored.seed, stored.model) == (
        "round 2", "a lamp 2", "blurry", 2, "tiny")
    assert stored.parameters == {"num_inference_steps": 2, "guidance_scale": 7.5}
    assert stored.plan == {"action": "add", "cell": "bottom-left"}
    assert stored.layout["objects"][0]["box"] == [0.0, 0.5, 0.5, 1.0]
    assert (stored.notes, stored.job_id, stored.blobs) == (("note 2",), "job-1", ("mask_in",))
    assert store.blob(conversation.id, v2.id, "mask_in") == mask
    assert store.blob(conversation.id, v2.id, "mask") is None
    assert Version.from_dict(stored.to_dict()) == stored


# -- compare-and-set ------------------------------------------------------------------------------
def test_a_stale_revision_is_refused_with_a_message_saying_what_changed(store):
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    store.add_version(conversation.id, 1, v1.id, picture(2), **fields(2))
    stale = [
        lambda: store.add_version(conversation.id, 1, v1.id, picture(3), **fields(3)),
        lambda: store.undo(conversation.id, 1),
        lambda: store.redo(conversation.id, 1),
        lambda: store.branch(conversation.id, 1, v1.id),
        lambda: store.restore(conversation.id, 1, v1.id),
        lambda: store.rename(conversation.id, 1, "other"),
    ]
    for request in stale:
        with pytest.raises(ConversationConflict) as caught:
            request()
        message = str(caught.value)
        assert "changed since you loaded it: version 2 was added just now" in message
        assert "It now shows version 2; reload it to continue" in message
        assert caught.value.current.revision == 2
    assert len(store.versions(conversation.id)) == 2 and store.conversation(conversation.id).revision == 2


def test_a_losing_round_is_kept_as_a_side_branch(store):
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    winner, v2 = store.add_version(conversation.id, 1, v1.id, picture(2), **fields(2))
    with pytest.raises(ConversationConflict):
        store.add_version(conversation.id, 1, v1.id, picture(3), **fields(3))
    same, side = store.add_version(conversation.id, 1, v1.id, picture(3), move_head=False, **fields(3))
    assert same == winner == store.conversation(conversation.id)  # head, redo and revision untouched
    assert (side.number, side.parent_id) == (3, v1.id)
    assert store.image(conversation.id, side.id) == picture(3)
    branched = store.branch(conversation.id, winner.revision, side.id)
    assert branched.head == side.id


@pytest.mark.parametrize("shared", [True, False], ids=["one-store", "two-stores"])
def test_two_concurrent_edits_one_wins_the_other_gets_a_conflict_and_nothing_is_lost(backend, shared):
    first = backend.open()
    stores = [first, first] if shared else [first, backend.open()]  # two threads, or two web processes
    conversation, v1 = first.create(OWNER, "desk", picture(0), 64, 48)
    rounds = 6
    kept: dict[str, bytes] = {v1.id: picture(0)}
    for r in range(rounds):
        current = first.conversation(conversation.id)
        gate = threading.Barrier(2)
        outcomes: list = [None, None]

        def edit(i: int) -> None:
            data = picture(100 * r + i + 1)
            gate.wait()
            try:
                _, version = stores[i].add_version(conversation.id, current.revision, current.head, data,
                                                   **fields(r))
                outcomes[i] = ("won", version, data)
            except ConversationConflict as conflict:
                _, version = stores[i].add_version(conversation.id, current.revision, current.head, data,
                                                   move_head=False, **fields(r))
                outcomes[i] = ("lost", version, data, str(conflict))

        threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert sorted(o[0] for o in outcomes) == ["lost", "won"]
        won = next(o for o in outcomes if o[0] == "won")
        lost = next(o for o in outcomes if o[0] == "lost")
        assert "changed since you loaded it" in lost[3] and "reload it to continue" in lost[3]
        after = first.conversation(conversation.id)
        assert (after.revision, after.head) == (current.revision + 1, won[1].id)
        kept.update({won[1].id: won[2], lost[1].id: lost[2]})

    versions = first.versions(conversation.id)
    assert [v.number for v in versions] == list(range(1, 2 * rounds + 2))
    assert {v.id for v in versions} == set(kept)
    assert all(first.image(conversation.id, v.id) == kept[v.id] for v in versions)
    assert first.conversation(conversation.id).revision == 1 + rounds


def test_redis_decides_again_when_another_client_writes_between_read_and_write(redis_server, monkeypatch):
    """The WATCH path, forced: another client adds a version right after this one has read the state."""
    store, other = (RedisConversationStore.from_url(redis_server.url) for _ in range(2))
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    read = store._read_watched
    interleaved: list[str] = []

    def read_then_interfere(pipe, conversation_id):
        state = read(pipe, conversation_id)
        if not interleaved:
            _, version = other.add_version(conversation_id, state[0].revision, v1.id, picture(9), **fields(9))
            interleaved.append(version.id)
        return state

    monkeypatch.setattr(store, "_read_watched", read_then_interfere)
    with pytest.raises(ConversationConflict, match="version 2 was added"):
        store.add_version(conversation.id, 1, v1.id, picture(2), **fields(2))
    interleaved.clear()
    _, side = store.add_version(conversation.id, 1, v1.id, picture(3), move_head=False, **fields(3))
    numbers = {v.id: v.number for v in store.versions(conversation.id)}
    assert sorted(numbers.values()) == [1, 2, 3, 4]  # numbers stay unique under the race
    assert numbers[side.id] == 4 and store.conversation(conversation.id).head == interleaved[0]


# -- persistence, listing, deleting ---------------------------------------------------------------
def test_everything_survives_a_restart(backend):
    store = backend.open()
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    conversation, v2 = store.add_version(conversation.id, 1, v1.id, picture(2), blobs={"mask": b"m"}, **fields(2))
    conversation, _ = store.add_version(conversation.id, 2, v2.id, picture(3), **fields(3))
    conversation = store.undo(conversation.id, conversation.revision)
    other, _ = store.create(OWNER, "shoe", picture(4), 32, 32)
    before = (store.conversations(OWNER), store.versions(conversation.id))

    reopened = backend.restart()
    assert (reopened.conversations(OWNER), reopened.versions(conversation.id)) == before
    assert reopened.conversation(conversation.id) == conversation
    assert [reopened.image(conversation.id, v.id) for v in before[1]] == [picture(1), picture(2), picture(3)]
    assert reopened.blob(conversation.id, v2.id, "mask") == b"m"
    redone = reopened.redo(conversation.id, conversation.revision)  # the redo stack survived too
    assert redone.revision == conversation.revision + 1


def test_conversations_are_listed_most_recently_changed_first(store):
    a, _ = store.create(OWNER, "a", picture(1), 8, 8)
    b, _ = store.create(OWNER, "b", picture(2), 8, 8)
    c, _ = store.create(OWNER, "c", picture(3), 8, 8)
    store.create("someone else", "d", picture(4), 8, 8)
    assert [x.title for x in store.conversations(OWNER)] == ["c", "b", "a"]
    store.rename(a.id, a.revision, "a2")
    assert [x.title for x in store.conversations(OWNER)] == ["a2", "c", "b"]


def test_delete_removes_the_conversation_its_versions_and_pictures(backend, store):
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    _, v2 = store.add_version(conversation.id, 1, v1.id, picture(2), blobs={"mask": b"m"}, **fields(2))
    kept, _ = store.create(OWNER, "shoe", picture(3), 8, 8)
    store.delete(conversation.id)
    assert store.conversations(OWNER) == [kept]
    for read in (store.conversation, store.versions, lambda i: store.image(i, v1.id), store.delete,
                 lambda i: store.undo(i, 2)):
        with pytest.raises(ConversationNotFound, match="no conversation with id .* it may have been deleted"):
            read(conversation.id)
    if backend.kind == "local":
        assert not (store.images / conversation.id).exists()
    else:
        assert list(store.client.scan_iter(f"studio:conv:{conversation.id}*")) == []
    assert store.image(kept.id, store.conversation(kept.id).head) == picture(3)


# -- bad requests ---------------------------------------------------------------------------------
def test_bad_requests_say_what_is_wrong(store):
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    cases = [
        (InvalidOptions, "operation must be one of upload, add", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), **fields(2, operation="paint"))),
        (InvalidOptions, "'upload' is only for the first version", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), **fields(2, operation="upload"))),
        (InvalidOptions, "width must be a whole number of pixels above 0; got 0", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), **fields(2, width=0))),
        (InvalidOptions, "seed must be a whole number", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), **fields(2, seed=1.5))),
        (InvalidOptions, "parameters must hold only JSON data", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), **fields(2, parameters={"x": object()}))),
        (InvalidOptions, "image must be the encoded picture .* no data", lambda: store.add_version(
            conversation.id, 1, v1.id, b"", **fields(2))),
        (InvalidOptions, "blobs cannot use the name 'image'", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), blobs={"image": b"x"}, **fields(2))),
        (InvalidOptions, "a blob name must be", lambda: store.add_version(
            conversation.id, 1, v1.id, picture(2), blobs={"../x": b"x"}, **fields(2))),
        (VersionNotFound, "has no version with id 'nope'; it has versions 1 to 1", lambda: store.add_version(
            conversation.id, 1, "nope", picture(2), **fields(2))),
        (VersionNotFound, "has no version with id", lambda: store.branch(conversation.id, 1, "0" * 32)),
        (VersionNotFound, "has no version with id", lambda: store.image(conversation.id, "0" * 32)),
        (ConversationNotFound, "no conversation with id '../../etc'", lambda: store.conversation("../../etc")),
        (InvalidOptions, "a title of 1 to 200 characters", lambda: store.rename(conversation.id, 1, "   ")),
        (InvalidOptions, "at most 200 characters", lambda: store.create(OWNER, "x" * 201, picture(1), 8, 8)),
        (InvalidOptions, "height must be a whole number of pixels", lambda: store.create(OWNER, "t", picture(1), 8, -1)),
    ]
    for error, message, request in cases:
        with pytest.raises(error, match=message):
            request()
    assert store.versions(conversation.id) == [v1] and store.conversation(conversation.id) == conversation
    assert [c.id for c in store.conversations(OWNER)] == [conversation.id]


def test_redis_down_is_a_clear_store_unavailable(redis_server):
    store = RedisConversationStore.from_url(redis_server.url, retries=0)
    conversation, _ = store.create(OWNER, "desk", picture(1), 64, 48)
    redis_server.stop()
    for request in (lambda: store.conversations(OWNER), lambda: store.conversation(conversation.id),
                    lambda: store.undo(conversation.id, 1)):
        with pytest.raises(StoreUnavailable, match=r"store at redis://127\.0\.0\.1:\d+/0 cannot be reached .* try again"):
            request()
    nowhere = RedisConversationStore.from_url(f"redis://127.0.0.1:{free_port()}/0", retries=0)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        nowhere.ping()


def test_a_full_redis_refuses_with_a_clear_message_and_keeps_what_it_has(redis_server):
    store = RedisConversationStore.from_url(redis_server.url)
    conversation, v1 = store.create(OWNER, "desk", picture(1), 64, 48)
    store.client.config_set("maxmemory", store.client.info("memory")["used_memory"] + 100_000)
    with pytest.raises(StoreUnavailable, match="is full .* nothing was changed"):
        store.add_version(conversation.id, 1, v1.id, b"x" * 2_000_000, **fields(2))
    assert store.conversation(conversation.id) == conversation and store.versions(conversation.id) == [v1]


def test_an_unusable_local_folder_is_a_clear_store_unavailable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="cannot be opened .* writable"):
        LocalConversationStore(blocker / "conversations")


# -- pure helpers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seconds, text", [(0.2, "just now"), (3.4, "3 s ago"), (600, "10 min ago"),
                                           (3 * 3600, "3 h ago"), (5 * 86400, "5 days ago")])
def test_ages_in_conflict_messages_read_naturally(seconds, text):
    assert tree.describe_age(seconds) == text


def test_records_round_trip_through_json_dicts():
    conversation = Conversation("a" * 32, OWNER, "t", "b" * 32, ("c" * 32,), 3, 1.5, 2.5, "it was created")
    assert Conversation.from_dict(conversation.to_dict()) == conversation
    assert Conversation.from_dict({**conversation.to_dict(), "added_later": 1}) == conversation
