"""What the chat editor sees in each version: the objects the workers found, with their masks.

    scenes = Scenes(conversations, rounds)
    seen = scenes.of(conversation_id, version_id)                 # computed on the workers once, then kept
    seen.objects  -> layout SeenObjects for the planner;  seen.mask("bottle #2") -> PNG bytes (L, 255 = object)
    seen = scenes.of(conversation_id, version_id, ("espresso machine",))   # look for more names

The scene belongs to a version (its picture), so undo, branches and re-runs read the scene of the version
they show. Scenes are kept in memory per version (the most recent MAX_KEPT); a studio process that did not
compute one asks the workers again, which gives the same objects for the same picture.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from layout import SeenObject
from layout.seen import keys
from pipelines.errors import StudioError
from studio.conversations import ConversationStore
from studio.follow import POLL_SECONDS
from workers.rounds import Rounds
from workers.scene import SceneJob

MAX_KEPT = 256
WAIT_S = 20.0  # seconds a plan waits for a scene (a warm worker answers in well under one)


class SceneUnavailable(StudioError):
    """The workers could not say what is in the picture; the message says why."""


@dataclass(frozen=True)
class Seen:
    objects: tuple[SeenObject, ...]
    masks: dict[str, bytes]  # the planner's key of each object ('bottle #2') -> its mask
    notes: tuple[str, ...] = ()
    queries: tuple[str, ...] = ()  # the extra names the detector was asked for
    detected: bool = False  # an object detector looked (not only the salient-object model)

    def mask(self, key: str) -> bytes | None:
        return self.masks.get(key)

    def describe(self) -> str:
        """'I see: the product, a laptop, 2 bottles' for the conversation."""
        if not self.objects:
            return "I found no distinct object in this picture."
        counts: dict[str, int] = {}
        for found in self.objects:
            counts[found.name_en] = counts.get(found.name_en, 0) + 1
        names = [f"the {n}" if n == "product" and k == 1 else f"{k} {n}s" if k > 1 else f"a {n}"
                 for n, k in counts.items()]
        return "I see " + ", ".join(names) + " in this picture."


@dataclass
class Scenes:
    conversations: ConversationStore
    rounds: Rounds

    wait_s: float = WAIT_S  # how long a plan waits for the workers' answer before going on without it

    def __post_init__(self):
        self._kept: OrderedDict[tuple[str, str], Seen] = OrderedDict()
        self._asked: dict[tuple[str, str, tuple[str, ...]], str] = {}  # scene jobs not answered yet
        self._lock = threading.Lock()

    def known(self, conversation_id: str, version_id: str) -> Seen | None:
        with self._lock:
            return self._kept.get((conversation_id, version_id))

    def of(self, conversation_id: str, version_id: str, queries: tuple[str, ...] = (),
           wait_s: float | None = None) -> Seen:
        """The version's scene; computed (on the workers) when it is not known, or when `queries` names
        something the known one was not asked to look for. Waits at most `wait_s` (default: the instance's):
        when no worker has answered by then (none is running for the chat editor, or one is still loading
        its models) it raises SceneUnavailable and the job stays queued; a later call collects it."""
        kept = self.known(conversation_id, version_id)
        wanted = tuple(q for q in queries if kept is None or q not in kept.queries)
        if kept is not None and not wanted:
            return kept
        asked = tuple(dict.fromkeys((*(kept.queries if kept else ()), *wanted)))
        seen = self._compute(conversation_id, version_id, asked, self.wait_s if wait_s is None else wait_s)
        with self._lock:
            self._kept[(conversation_id, version_id)] = seen
            self._kept.move_to_end((conversation_id, version_id))
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
        return seen

    def _compute(self, conversation_id: str, version_id: str, queries: tuple[str, ...], wait_s: float) -> Seen:
        key = (conversation_id, version_id, queries)
        with self._lock:
            job_id = self._asked.get(key)
        if job_id is None:
            image = self.conversations.image(conversation_id, version_id)
            job_id = self.rounds.submit_scene(conversation_id, SceneJob.parse(queries=queries), image)
            with self._lock:
                self._asked[key] = job_id
        deadline = time.monotonic() + wait_s
        while not (job := self.rounds.job(job_id)).terminal:
            if time.monotonic() >= deadline:
                where = "waiting for a worker" if job.state == "queued" else "still running"
                raise SceneUnavailable(f"the workers have not said what is in the picture yet ({where}: no worker "
                                       "for the chat editor may be running, or it is loading its models)")
            time.sleep(POLL_SECONDS)
        with self._lock:
            self._asked.pop(key, None)
        if job.state != "done":
            raise SceneUnavailable(f"finding the objects in the picture failed: {job.error or job.state}")
        output = self.rounds.scene(job_id)
        pairs = [(SeenObject(o.name, tuple(o.box), o.score), mask) for o, mask in output.objects
                 if o.box[0] < o.box[2] and o.box[1] < o.box[3]]
        objects = tuple(found for found, _ in pairs)
        masks = dict(zip(keys(objects), (mask for _, mask in pairs)))
        detected = any(model.startswith(("owlv2", "tiny-owlv2")) for model in output.summary.models)
        return Seen(objects, masks, tuple(output.summary.notes), queries, detected)
