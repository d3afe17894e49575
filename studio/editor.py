"""The chat editor's rounds, independent of Gradio: instruction -> plan -> job -> new version.

    editor = ChatEditor(conversations, rounds, limits, default_model="sd15")
    conversation, first = editor.open(upload_bytes, "desk.jpg")
    planned = editor.plan(conversation.id, "put a lamp in the bottom left")       # drawn before it runs
    ticket = editor.submit(conversation.id, conversation.revision, planned, RoundSettings(seed=7))
    ... editor.rounds.job(ticket.job_id).state ...
    conversation, version = editor.finish(ticket)

Each version records its parent, the instruction, the plan, the prompt, seed, model and parameters, and the
layout state after the round, so `rerun` reproduces it exactly and the planner continues from any version.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field, replace

from PIL import Image

from layout import EMPTY, LayoutState, Plan, make_plan
from layout.grid import Box, cells_of, clamp_box
from layout.grounding import candidates, choose, named
from layout.seen import merge, plain
from pipelines.errors import InvalidOptions, StudioError
from pipelines.image_input import ImageLimits, load_image
from studio.conversations import Conversation, ConversationConflict, ConversationStore, Version
from studio.scenes import Scenes, SceneUnavailable, Seen
from workers.edit import EditJob
from workers.generation import GenerationSettings
from workers.rounds import Rounds

OWNER = "studio"
QUESTION = re.compile(r"which (.+?) do you mean")
# plan action -> edit operation; the planner's "compose" places one new object, like "add"
OPERATION = {"add": "add", "compose": "add", "move": "move", "remove": "remove", "replace": "replace",
             "resize": "resize", "restyle": "restyle", "background": "background"}
TARGET_IS_NEW_PLACE = {"add", "move", "resize"}  # a drawn box or clicked cell says where the object goes
DEFAULT = GenerationSettings()  # the one set of defaults (the inpainting pipeline's)


class NothingToDo(StudioError):
    """The instruction does not ask for a change the editor can make; the message says why."""


@dataclass(frozen=True)
class Override:
    """What the user pointed at for this round, overriding the planner: a box (a clicked cell or two
    clicked corners, fractions of the picture) and/or a mask (painted or selected; L, 255 = region)."""

    box: Box | None = None
    mask: bytes | None = None


@dataclass(frozen=True)
class RoundSettings:
    """The parameters a designer can see and change: the GenerationSettings as the form holds them (seed None
    = pick one now, prompt None = the plan's) and the ControlNet condition. Checked when the round is submitted."""

    model: str
    seed: int | None = None
    negative_prompt: str = DEFAULT.negative_prompt
    num_inference_steps: int = DEFAULT.num_inference_steps
    guidance_scale: float = DEFAULT.guidance_scale
    strength: float | None = DEFAULT.strength  # None = the operation's own (restyle keeps some of the region: 0.6)
    controlnet_conditioning_scale: float = DEFAULT.controlnet_conditioning_scale
    control: str = "inpaint"
    prompt: str | None = None  # None = the plan's prompt

    limits = staticmethod(GenerationSettings.limits)  # a number's range and default, for the form's fields

    def generation(self, prompt: str, seed: int) -> dict:
        """The round's GenerationSettings fields: the plan's prompt and the chosen seed where the form has none."""
        fields = {name: getattr(self, name) for name in GenerationSettings.model_fields}
        return {**fields, "prompt": self.prompt or prompt, "seed": self.seed if self.seed is not None else seed}


@dataclass(frozen=True)
class PlannedRound:
    instruction: str
    plan: Plan
    operation: str
    box: Box | None  # where the result goes
    source_box: Box | None  # where the object is now
    prompt: str
    label: str
    layout: dict  # the layout state after this round
    notes: tuple[str, ...] = ()
    mask: bytes | None = None  # the mask of the object in the picture the round acts on (from its scene)
    used: tuple[tuple[str, Box], ...] = ()  # objects in the picture the plan used: (label, box)

    @property
    def cells(self) -> list[list[int]]:
        return cells_of(self.box) if self.box else []


@dataclass(frozen=True)
class Ticket:
    """A submitted round: which job runs it, and what the new version will record."""

    job_id: str
    conversation_id: str
    parent_id: str
    revision: int
    instruction: str
    operation: str
    plan: dict | None
    prompt: str
    job: dict  # the EditJob's fields: everything needed to run the round again
    layout: dict
    notes: tuple[str, ...] = field(default=())
    mask: bytes | None = None  # the region the user painted or selected for this round
    source_id: str | None = None  # a re-run: the version it runs again


def cell_box(row: int, col: int) -> Box:
    third = 1 / 3
    return (round(col * third, 4), round(row * third, 4), round((col + 1) * third, 4), round((row + 1) * third, 4))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


@dataclass(frozen=True)
class ChatEditor:
    conversations: ConversationStore
    rounds: Rounds
    limits: ImageLimits
    default_model: str
    scenes: Scenes | None = None  # what is in each version's picture (None: the planner knows only its rounds)
    # conversation -> (version, instruction, name) of the question "which <name> do you mean?" just asked
    asked: dict = field(default_factory=dict, compare=False, repr=False)

    # -- conversations ----------------------------------------------------------------------------
    def open(self, data: bytes, name: str) -> tuple[Conversation, Version]:
        """A new conversation whose first version is the uploaded picture (as RGB PNG, orientation applied)."""
        image = load_image(data, self.limits).image.convert("RGB")
        title = name.rsplit("/", 1)[-1] or "picture"
        return self.conversations.create(OWNER, title, _png(image), image.width, image.height)

    def head(self, conversation_id: str) -> tuple[Conversation, Version]:
        conversation = self.conversations.conversation(conversation_id)
        return conversation, self.conversations.version(conversation_id, conversation.head)

    def layout_of(self, version: Version) -> LayoutState:
        return LayoutState.from_dict(version.layout) if version.layout else EMPTY

    # -- planning ---------------------------------------------------------------------------------
    def plan(self, conversation_id: str, instruction: str, override: Override = Override()) -> PlannedRound:
        instruction = instruction.strip()
        if not instruction:
            raise InvalidOptions("type what to change, e.g. “put a lamp in the bottom left” or “remove the cup”")
        _, version = self.head(conversation_id)
        before = self.layout_of(version)
        seen, looked = self._seen(conversation_id, version, instruction)
        if seen is not None:
            before = merge(before, seen.objects)  # what is in the picture, under the keys the plan names
        instruction, bound, answered = self._answered(conversation_id, version.id, instruction, before)
        plan, after = make_plan(instruction, before, bound=bound)
        asked = QUESTION.match(plan.reason or "") if plan.action == "none" else None
        if asked:  # "which bottle do you mean: ...?": the next message may answer it ("the left one")
            self.asked[conversation_id] = (version.id, instruction, asked.group(1))
        looked += answered
        pointed = override.box is not None or override.mask is not None
        if plan.action == "none" and pointed:  # "put a lamp here" + a clicked cell: the user said where
            plan = replace(plan, action="add", prompt_en=instruction, notes=(*plan.notes, "placed where you pointed"))
        if plan.action not in OPERATION:
            raise NothingToDo(plan.reason or f"“{instruction}” does not ask for a change I can make; try "
                              "add, move, remove, replace, resize, restyle or change the background")
        operation = OPERATION[plan.action]
        target = plan.target
        box = target.box if target else None
        label = target.name_en if target else ""  # English: the overlay's font and the prompt's language
        previous = before.find(target.name_en) if target else None
        source_box = previous.box if previous is not None else None
        notes: list[str] = [*looked, *plan.notes]
        others = [o.name_en for o in plan.targets if o is not target]
        if others and operation == "add":  # one object per round: the plan keeps the others' places
            notes.append(f"this round adds the {label}; the plan also places the {', the '.join(others)} — "
                         "send “add the " + others[0] + "” to add it where the plan put it")
        if operation in ("remove", "replace", "restyle") and source_box is None:
            source_box, box = box, None
        if override.box is not None:
            chosen = clamp_box(tuple(override.box))
            if operation in TARGET_IS_NEW_PLACE:
                box = chosen
                if target:
                    after = after.place(target.name, target.name_en, chosen)
            else:
                source_box = chosen
            notes.append("placement chosen by hand")
        if override.mask is not None:
            notes.append("region chosen by hand")
        needs_source = operation in ("move", "resize", "remove", "replace", "restyle")
        if needs_source and source_box is None and override.mask is None:
            what = f"the {label}" if label else "the object"
            sees = f" {seen.describe()}" if seen is not None else ""
            raise InvalidOptions(f"I don't know where {what} is in this picture.{sees} Click it with “Select "
                                 "object”, draw a box around it, or paint over it, then send the instruction again")
        if operation == "add" and box is None and override.mask is None:
            raise InvalidOptions("say where to put it (e.g. “in the bottom left”), click a cell of the grid, "
                                 "or draw a box")
        mask, used = None, []
        if seen is not None:
            for item in plan.objects:
                if seen.mask(item.name_en) is not None and before.find(item.name_en) is not None:
                    used.append((plain(item.name_en), before.find(item.name_en).box))
            if target is not None and needs_source and override.mask is None and override.box is None:
                mask = seen.mask(target.name_en) or (seen.mask(plan.objects[-1].name_en)
                                                      if operation == "replace" else None)
        return PlannedRound(instruction, plan, operation, box, source_box, plan.prompt_en, plain(label),
                            after.to_dict(), tuple(notes), mask, tuple(used))

    def _answered(self, conversation_id: str, version_id: str, reply: str, state) -> tuple[str, dict, list[str]]:
        """When the editor just asked which of several objects was meant and `reply` picks one ('the left
        one'), the instruction asked about with that object settled; else the reply itself."""
        version, instruction, name = self.asked.pop(conversation_id, (None, None, None))
        if version != version_id:
            return reply, {}, []
        chosen = choose(reply, name, state)
        if chosen is None:
            return reply, {}, []
        return instruction, {name: chosen.name_en}, [f"“{reply}”: the {name} at {_where(chosen.box)}"]

    def _seen(self, conversation_id: str, version: Version, instruction: str) -> tuple[Seen | None, list[str]]:
        """The version's scene, and a note when the picture could not be looked at (planning goes on from
        what earlier rounds placed). When a detector looked and the instruction names something it was not
        asked about ('the espresso machine'), it looks again for that too."""
        if self.scenes is None:
            return None, []
        try:
            seen = self.scenes.of(conversation_id, version.id)
            if seen.detected:
                state = merge(EMPTY, seen.objects)
                missing = tuple(name for name in named(instruction)
                                if name not in seen.queries and not candidates(name, state))
                if missing:
                    try:
                        seen = self.scenes.of(conversation_id, version.id, missing)
                    except StudioError as exc:  # a name the detector cannot take: plan with what was found
                        return seen, [f"could not look for {', '.join(missing)}: {exc}"]
            return seen, []
        except SceneUnavailable as exc:
            return None, [f"{exc}; planning from earlier rounds only"]

    # -- rounds ---------------------------------------------------------------------------------
    def submit(self, conversation_id: str, revision: int, planned: PlannedRound, settings: RoundSettings,
               override: Override = Override()) -> Ticket:
        conversation, version = self.head(conversation_id)
        if conversation.revision != revision:
            raise ConversationConflict(
                f"this conversation changed since you loaded it (now version {version.number}); "
                "it has been reloaded — send the instruction again")
        job = EditJob.parse(operation=planned.operation, box=planned.box, source_box=planned.source_box,
                            control=settings.control,
                            generation=settings.generation(planned.prompt, random.randrange(2**32)))
        return self._submit(conversation, version, job, override.mask or planned.mask, instruction=planned.instruction,
                            operation=planned.operation, plan=planned.plan.to_dict(), layout=planned.layout,
                            notes=planned.notes)

    def rerun(self, conversation_id: str, version_id: str) -> Ticket:
        """Run a version's round again from its parent with the same seed and parameters (same pixels)."""
        conversation = self.conversations.conversation(conversation_id)
        version = self.conversations.version(conversation_id, version_id)
        if version.parent_id is None or not version.parameters.get("operation"):
            raise InvalidOptions(f"version {version.number} is {version.operation!r}, not an editing round; "
                                 "only edited versions can be re-run")
        parent = self.conversations.version(conversation_id, version.parent_id)
        job = EditJob.parse(**version.parameters)
        mask = self.conversations.blob(conversation_id, version_id, "mask_in")
        return self._submit(conversation, parent, job, mask, instruction=version.instruction, operation=job.operation,
                            plan=version.plan, layout=version.layout,
                            notes=(f"re-run of version {version.number}",), source_id=version.id)

    def _submit(self, conversation, parent: Version, job: EditJob, mask: bytes | None, **recorded) -> Ticket:
        image = self.conversations.image(conversation.id, parent.id)
        job_id = self.rounds.submit_edit(conversation.id, job, image, mask)
        return Ticket(job_id, conversation.id, parent.id, conversation.revision, recorded["instruction"],
                      recorded["operation"], recorded["plan"], job.generation.prompt, job.model_dump(mode="json"),
                      recorded["layout"], tuple(recorded["notes"]), mask, recorded.get("source_id"))

    def finish(self, ticket: Ticket) -> tuple[Conversation, Version, str | None]:
        """Store the finished round as a new version. When someone else changed the conversation meanwhile,
        the result is kept as a side branch (nothing is lost) and the returned warning says so."""
        output = self.rounds.output(ticket.job_id)
        made, generation = output.edit, EditJob.model_validate(ticket.job).generation
        fields = dict(
            instruction=ticket.instruction, operation=ticket.operation, plan=ticket.plan, prompt=ticket.prompt,
            negative_prompt=generation.negative_prompt, seed=generation.seed, model=generation.model,
            parameters=ticket.job, layout=ticket.layout, job_id=ticket.job_id,
            notes=[*ticket.notes, *made.notes], source_id=ticket.source_id, width=made.width, height=made.height,
        )
        blobs = {"mask": output.mask} if output.mask else {}
        if ticket.mask is not None:
            blobs["mask_in"] = ticket.mask
        try:
            conversation, version = self.conversations.add_version(
                ticket.conversation_id, ticket.revision, ticket.parent_id, output.image, blobs=blobs, **fields)
            return conversation, version, None
        except ConversationConflict as conflict:
            conversation, version = self.conversations.add_version(
                ticket.conversation_id, ticket.revision, ticket.parent_id, output.image, blobs=blobs, move_head=False, **fields)
            return conversation, version, (f"{conflict} Your result was kept as version {version.number} on a "
                                           "branch; pick it under Versions to continue from it.")

    def cancel(self, ticket: Ticket) -> None:
        self.rounds.cancel(ticket.job_id)


def _where(box: Box) -> str:
    """'x 10–25%, y 30–80%' of the picture: where a chosen object is, in the note of the round."""
    return f"x {box[0]:.0%}–{box[2]:.0%}, y {box[1]:.0%}–{box[3]:.0%} of the picture"


def settings_of(version: Version, default_model: str) -> RoundSettings:
    """The parameters a version was made with, to show them again (or defaults for an upload)."""
    if not version.parameters.get("operation"):
        return RoundSettings(model=default_model)
    job = EditJob.model_validate(version.parameters)  # the round's job as recorded, flat (older versions too)
    return RoundSettings(**job.generation.model_dump(exclude={"prompt"}), control=job.control)


