"""The Chat editor tab: a conversation per picture, one version per round, a version tree to move around in.

Handlers are plain methods of `EditTab` (testable without a browser); `build_edit_tab` lays them out.
State kept in the page: the open conversation id (also in the browser's storage, so a reload restores it),
the revision the page last saw (a change made elsewhere is a conflict, not an overwrite), what the user
pointed at for the next round, and the running round's job id (for Cancel).
Undo and Redo are enabled only when the conversation has something to undo or redo.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import gradio as gr
import numpy as np
from PIL import Image

from pipelines.errors import InvalidOptions, StudioError
from pipelines.models.generative import EDITORS
from studio.conversations import Conversation, Version
from studio.conversations.tree import can_redo, can_undo
from studio.editor import OWNER, ChatEditor, Override, RoundSettings, cell_box, settings_of
from studio.follow import follow
from studio.overlay import draw_objects, draw_plan
from studio.settings import StudioSettings
from studio.ui_errors import user_errors
from workers.edit import DEFAULT_NEGATIVE, EditSummary, SelectJob

MODES = ["Planner decides", "Click a cell", "Draw a box", "Select object"]


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


THUMBNAIL = 160  # px, the longest side of a version's picture in the conversation
UPLOAD_WAIT_S = 10.0  # an upload shows the picture after at most this long, with or without what is in it


def _path(head: Version, by_id: dict[str, Version]) -> list[Version]:
    """The versions from the first one to `head`."""
    path, node = [], head
    while node is not None:
        path.append(node)
        node = by_id.get(node.parent_id) if node.parent_id else None
    return path[::-1]


def _label(version: Version, head: str, numbers: dict[str, int]) -> str:
    """"v3 · add: put a vase… (from v1) (current)": where the version branches off is visible in the list."""
    what = "upload" if version.operation == "upload" else f"{version.operation}: {version.instruction[:40]}"
    parent = numbers.get(version.parent_id or "")
    branch = f" (from v{parent})" if parent is not None and parent != version.number - 1 else ""
    return f"v{version.number} · {what}{branch}{' (current)' if version.id == head else ''}"


@dataclass(frozen=True, eq=False)
class EditPage:
    """The tab's components: handlers answer with {component: value} for the ones they change."""

    conversation: gr.Dropdown
    upload: gr.UploadButton
    delete: gr.Button
    picture: gr.Image
    mode: gr.Radio
    clear: gr.Button
    objects: gr.Button
    painter: gr.ImageEditor
    use_paint: gr.Button
    chat: gr.Chatbot
    message: gr.Textbox
    plan: gr.Button
    send: gr.Button
    cancel: gr.Button
    status: gr.Markdown
    model: gr.Dropdown
    control: gr.Dropdown
    seed: gr.Number
    randomize: gr.Checkbox
    prompt: gr.Textbox
    negative_prompt: gr.Textbox
    num_inference_steps: gr.Slider
    guidance_scale: gr.Slider
    strength: gr.Slider
    controlnet_conditioning_scale: gr.Slider
    versions: gr.Dropdown
    undo: gr.Button
    redo: gr.Button
    branch: gr.Button
    restore: gr.Button
    rerun: gr.Button
    other: gr.Dropdown
    compare: gr.Button
    slider: gr.ImageSlider
    conversation_id: gr.State
    revision: gr.State  # the conversation's revision the page last saw
    override: gr.State  # what the user pointed at for the next round
    running: gr.State  # the running round's job id (for Cancel)
    remembered: gr.BrowserState  # the open conversation, kept in the browser across reloads

    @property
    def view(self) -> list:
        """What every change of the open conversation updates."""
        return [self.conversation, self.picture, self.chat, self.versions, self.other, self.conversation_id,
                self.revision, self.status, self.undo, self.redo]

    @property
    def parameters(self) -> list:
        """A round's settings, by their diffusers names."""
        return [self.model, self.seed, self.randomize, self.negative_prompt, self.num_inference_steps,
                self.guidance_scale, self.strength, self.controlnet_conditioning_scale, self.control, self.prompt]


@dataclass(frozen=True)
class EditTab:
    settings: StudioSettings
    editor: ChatEditor
    page: EditPage

    # -- what the page shows for a conversation --------------------------------------------------
    def _view(self, conversation: Conversation, note: str = ""):
        store = self.editor.conversations
        versions = store.versions(conversation.id)
        by_id = {v.id: v for v in versions}
        head = by_id[conversation.head]
        picture = _image(store.image(conversation.id, head.id))
        chat = self._chat(conversation.id, _path(head, by_id))
        numbers = {v.id: v.number for v in versions}
        choices = [(_label(v, conversation.head, numbers), v.id) for v in versions]
        conversations = [(f"{c.title} ({time.strftime('%d %b %H:%M', time.localtime(c.updated))})", c.id)
                         for c in store.conversations(OWNER)]
        page = self.page
        return {page.conversation: gr.update(choices=conversations, value=conversation.id),
                page.picture: np.asarray(picture), page.chat: chat,
                page.versions: gr.update(choices=choices, value=head.id),
                page.other: gr.update(choices=choices, value=head.id),
                page.conversation_id: conversation.id, page.revision: conversation.revision,
                page.status: note or f"Version {head.number} of {len(versions)} · “{conversation.title}”",
                page.undo: gr.update(interactive=can_undo(conversation, by_id)),
                page.redo: gr.update(interactive=can_redo(conversation))}

    def _chat(self, conversation_id: str, path: list[Version]) -> list[dict]:
        """The conversation from the first version to the shown one: each round's instruction, then the
        editor's answer with the version's thumbnail (clicking it selects that version)."""
        chat = []
        for version in path:
            if version.parent_id is not None:
                chat.append({"role": "user", "content": version.instruction})
            text = self._describe(version)
            seen = self.editor.scenes.known(conversation_id, version.id) if self.editor.scenes else None
            if seen is not None and version.parent_id is None:
                text += " · " + seen.describe()
            chat.append({"role": "assistant", "content": [text, {"path": str(self._thumbnail(conversation_id,
                                                                                              version)),
                                                                 "alt_text": f"version {version.number}"}]})
        return chat

    def _thumbnail(self, conversation_id: str, version: Version):
        folder = self.settings.temp_dir / "thumbnails"
        path = folder / f"{version.id}.png"
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            image = _image(self.editor.conversations.image(conversation_id, version.id))
            image.thumbnail((THUMBNAIL, THUMBNAIL))
            partial = path.with_suffix(".part")
            image.save(partial, format="PNG")
            partial.replace(path)
        return path

    def pick_version(self, conversation_id, evt: gr.SelectData):
        """A click on a message in the conversation selects the version it belongs to."""
        self._need(conversation_id)
        conversation, versions = self.editor.conversations.state(conversation_id)
        by_id = {v.id: v for v in versions}
        path = _path(by_id[conversation.head], by_id)
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        chosen = path[min(len(path) - 1, (int(index) + 1) // 2)]
        page = self.page
        shown = self.version_settings(conversation_id, chosen.id)
        return {**shown, page.versions: gr.update(value=chosen.id),
                page.status: f"Version {chosen.number} selected: “Continue from this version” works on it, "
                             "“Compare side by side” shows it beside another, “Re-run” makes it again."}

    def _answer(self, chat, message: str, answer: str, note: str):
        """The editor answers in the conversation (the picture and the typed text stay as they were)."""
        chat = list(chat or [])
        if message:
            chat.append({"role": "user", "content": message})
        chat.append({"role": "assistant", "content": answer})
        return {self.page.chat: chat, self.page.status: note}

    @staticmethod
    def _describe(version: Version) -> str:
        parameters = version.parameters or {}
        bits = [f"**v{version.number}** {version.operation}"]
        if version.prompt:
            bits.append(f"“{version.prompt}”")
        if parameters.get("seed") is not None:
            bits.append(f"seed {parameters['seed']}, {parameters.get('model')}, "
                        f"{parameters.get('num_inference_steps')} steps")
        if version.notes:
            bits.append("· " + "; ".join(version.notes))
        return " ".join(bits)

    @staticmethod
    def _overlay(picture: Image.Image, override: dict) -> Image.Image:
        mask = _image(override["mask"]).convert("L") if override.get("mask") else None
        box = tuple(override["box"]) if override.get("box") else None
        return draw_plan(picture, target=box, cells=override.get("cells", []), mask=mask,
                         point=tuple(override["corner"]) if override.get("corner") else None)

    def _empty(self, note: str = ""):
        conversations = [(c.title, c.id) for c in self.editor.conversations.conversations(OWNER)]
        page = self.page
        return {page.conversation: gr.update(choices=conversations, value=None), page.picture: None, page.chat: [],
                page.versions: gr.update(choices=[], value=None), page.other: gr.update(choices=[], value=None),
                page.conversation_id: None, page.revision: 0,
                page.status: note or "Upload a picture to start a conversation.",
                page.undo: gr.update(interactive=False), page.redo: gr.update(interactive=False)}

    # -- conversations ----------------------------------------------------------------------------
    def restore_page(self, remembered):
        """On page load: the conversation this browser had open, else the most recent one."""
        existing = self.editor.conversations.conversations(OWNER)
        ids = [c.id for c in existing]
        chosen = remembered if remembered in ids else (ids[0] if ids else None)
        if chosen is None:
            return self._empty()
        return self._view(self.editor.conversations.conversation(chosen))

    def upload(self, path):
        if not path:
            return self._empty()
        with open(path, "rb") as fh:
            conversation, first = self.editor.open(fh.read(), str(path))
        note = f"New conversation “{conversation.title}”. Tell me what to change."
        if self.editor.scenes is not None:  # look at the picture now: the first answer says what is in it
            try:
                self.editor.scenes.of(conversation.id, first.id, wait_s=UPLOAD_WAIT_S)
            except StudioError as exc:
                note += f" ({exc}; I plan from what you say and point at.)"
        return self._view(conversation, note)

    def show_objects(self, conversation_id):
        """The objects the editor found in the current version, boxed and named on the picture."""
        self._need(conversation_id)
        if self.editor.scenes is None:
            return {self.page.status: "This studio does not look at pictures (no scene service)."}
        _, head = self.editor.head(conversation_id)
        try:
            seen = self.editor.scenes.of(conversation_id, head.id)
        except StudioError as exc:  # said where the person is looking; the picture stays as it is
            return {self.page.status: f"I could not look at the picture: {exc}"}
        picture = _image(self.editor.conversations.image(conversation_id, head.id))
        drawn = draw_objects(picture, [(found.name_en, found.box, found.score) for found in seen.objects])
        notes = f" ({'; '.join(seen.notes)})" if seen.notes else ""
        return {self.page.picture: np.asarray(drawn), self.page.status: seen.describe() + notes}

    def switch(self, conversation_id):
        if not conversation_id:
            return self._empty()
        return self._view(self.editor.conversations.conversation(conversation_id))

    def delete(self, conversation_id):
        """Delete the open conversation (every version and picture) and show the next most recent one."""
        status = self.page.status
        if not conversation_id:  # none open, or the person said no when asked to confirm
            return {status: "Nothing was deleted."}
        title = self.editor.conversations.conversation(conversation_id).title
        self.editor.conversations.delete(conversation_id)
        view = self.restore_page(None)
        left = view[status] if view[self.page.conversation_id] is None else ""  # "Upload a picture…" when none
        return {**view, status: f"Deleted “{title}”. {left}"}

    # -- pointing at the picture -------------------------------------------------------------------
    def point(self, conversation_id, mode, override, evt: gr.SelectData):
        if not conversation_id:
            raise InvalidOptions("upload a picture first")
        conversation, head = self.editor.head(conversation_id)
        picture = _image(self.editor.conversations.image(conversation_id, head.id))
        x, y = int(evt.index[0]), int(evt.index[1])
        override = dict(override or {})
        if mode == "Click a cell":
            row, col = min(2, 3 * y // picture.height), min(2, 3 * x // picture.width)
            override.update(box=list(cell_box(row, col)), cells=[[row, col]], corner=None)
            note = f"Next round goes in cell row {row + 1}, column {col + 1}."
        elif mode == "Draw a box":
            corner = override.get("corner")
            if corner is None:
                override.update(corner=[x, y])
                note = "Now click the opposite corner."
            else:
                x0, x1 = sorted((corner[0], x))
                y0, y1 = sorted((corner[1], y))
                if x1 - x0 < 4 or y1 - y0 < 4:
                    raise InvalidOptions("that box is too small; click two opposite corners further apart")
                box = [x0 / picture.width, y0 / picture.height, x1 / picture.width, y1 / picture.height]
                override.update(box=[round(v, 4) for v in box], corner=None, cells=[])
                note = "Box set for the next round."
        elif mode == "Select object":
            mask, notes = self._select(conversation_id, head, (x, y))
            override.update(mask=mask, corner=None)
            note = "Object selected for the next round." + (f" ({'; '.join(notes)})" if notes else "")
        else:
            raise InvalidOptions("choose how to point first: Click a cell, Draw a box or Select object")
        return self._pointed(np.asarray(self._overlay(picture, override)), override, note)

    def _pointed(self, picture, override, note):
        return {self.page.picture: picture, self.page.override: override, self.page.status: note}

    def _select(self, conversation_id: str, head: Version, point) -> tuple[bytes, list[str]]:
        rounds = self.editor.rounds
        job_id = rounds.submit_select(conversation_id, SelectJob.parse(point=point),
                                      self.editor.conversations.image(conversation_id, head.id))
        *_, job = follow(lambda: rounds.job(job_id))
        if job.state != "done":
            raise InvalidOptions(f"selecting failed: {job.error or job.state}")
        output = rounds.output(job_id)
        return output.image, list(output.selection.notes)

    def paint(self, conversation_id, painted, override):
        """Use the painted strokes (any colour) as the region of the next round."""
        if not conversation_id:
            raise InvalidOptions("upload a picture first")
        layers = (painted or {}).get("layers") or []
        strokes = [np.asarray(layer.convert("RGBA"))[..., 3] for layer in layers if layer is not None]
        if not strokes or not any(s.any() for s in strokes):
            raise InvalidOptions("paint over the region first (the brush in the painting area), then press Use")
        _, head = self.editor.head(conversation_id)
        alpha = np.maximum.reduce(strokes)
        if alpha.shape != (head.height, head.width):
            raise InvalidOptions("the painting is not on the current version; open the painting area again")
        mask = Image.fromarray(np.where(alpha > 0, 255, 0).astype(np.uint8), "L")
        override = {**(override or {}), "mask": _png(mask), "corner": None}
        picture = _image(self.editor.conversations.image(conversation_id, head.id))
        return self._pointed(np.asarray(self._overlay(picture, override)), override,
                             "Painted region set for the next round.")

    def clear_pointing(self, conversation_id):
        if not conversation_id:
            return self._pointed(None, {}, "")
        _, head = self.editor.head(conversation_id)
        picture = np.asarray(_image(self.editor.conversations.image(conversation_id, head.id)))
        return self._pointed(picture, {}, "Pointing cleared.")

    def painting_canvas(self, conversation_id):
        if not conversation_id:
            return None
        _, head = self.editor.head(conversation_id)
        return {"background": _image(self.editor.conversations.image(conversation_id, head.id)),
                "layers": [], "composite": None}

    # -- rounds ---------------------------------------------------------------------------------
    def _override(self, override) -> Override:
        override = override or {}
        return Override(tuple(override["box"]) if override.get("box") else None, override.get("mask"))

    def show_plan(self, conversation_id, message, override):
        if not conversation_id:
            raise InvalidOptions("upload a picture first")
        try:
            planned = self.editor.plan(conversation_id, message or "", self._override(override))
        except StudioError as exc:  # answered where the person is looking; the picture stays
            return {self.page.status: f"I could not plan that: {exc}"}
        _, head = self.editor.head(conversation_id)
        picture = _image(self.editor.conversations.image(conversation_id, head.id))
        return {self.page.picture: np.asarray(self._draw(picture, planned, override)),
                self.page.status: self._plan_text(planned)}

    def _draw(self, picture, planned, override):
        mask = _image(override["mask"]).convert("L") if (override or {}).get("mask") else None
        return draw_plan(picture, target=planned.box, cells=planned.cells, source=planned.source_box,
                         label=planned.label, mask=mask, used=planned.used)

    @staticmethod
    def _plan_text(planned) -> str:
        where = f" · cells {', '.join(f'r{r + 1}c{c + 1}' for r, c in planned.cells)}" if planned.cells else ""
        notes = f" · {'; '.join(planned.notes)}" if planned.notes else ""
        return f"Plan: **{planned.operation}** {planned.label}{where} · prompt “{planned.prompt}”{notes}"

    def send(self, conversation_id, revision, message, override, model, seed, randomize, negative_prompt,
             num_inference_steps, guidance_scale, strength, controlnet_conditioning_scale, control, prompt=None,
             chat=None):
        """Plan, show the plan on the picture, run the round with live progress, then show the new version.
        An instruction that cannot be planned is answered in the conversation; nothing else changes."""
        if not conversation_id:
            raise InvalidOptions("upload a picture first")
        try:
            planned = self.editor.plan(conversation_id, message or "", self._override(override))
        except StudioError as exc:
            yield self._answer(chat, (message or "").strip(), f"I could not do that: {exc}",
                               "Nothing was changed; the answer is in the conversation.")
            return
        _, head = self.editor.head(conversation_id)
        picture = _image(self.editor.conversations.image(conversation_id, head.id))
        settings = RoundSettings(
            model=model, seed=None if randomize else int(seed), negative_prompt=negative_prompt or "",
            num_inference_steps=int(num_inference_steps), guidance_scale=float(guidance_scale),
            strength=float(strength) or None,
            controlnet_conditioning_scale=float(controlnet_conditioning_scale),
            control=control, prompt=(prompt or "").strip() or None,
        )
        ticket = self.editor.submit(conversation_id, int(revision or 0), planned, settings,
                                    self._override(override))
        overlay = np.asarray(self._draw(picture, planned, override))
        yield from self._follow(ticket, self._plan_text(planned), {self.page.picture: overlay,
                                                                   self.page.override: override})

    def rerun(self, conversation_id, version_id):
        """Run a version's round again from its parent with its seed and parameters."""
        self._need(conversation_id, version_id)
        ticket = self.editor.rerun(conversation_id, version_id)
        yield from self._follow(ticket, f"Re-running: {ticket.instruction}", {self.page.override: {}})

    def _follow(self, ticket, text, shown):
        """The round's progress in the status line, then the conversation as it is after the round."""
        page = self.page
        yield {**shown, page.status: f"{text} · queued", page.running: ticket.job_id, page.seed: ticket.job["seed"]}
        for job in follow(lambda: self.editor.rounds.job(ticket.job_id)):
            if not job.terminal:
                where = (f"step {job.step} of {job.total_steps} · {job.message}" if job.state == "running"
                         else "waiting for a worker")
                yield {page.status: f"{text} · {where}"}
        conversation = self.editor.conversations.conversation(ticket.conversation_id)
        if job.state != "done":
            note = ("Round cancelled; the conversation is unchanged." if job.state == "cancelled"
                    else f"The round failed: {job.error or job.state} The conversation is unchanged.")
            view = self._view(conversation, note)
            answered = self._answer(view[page.chat], ticket.instruction, note, note)
            yield {**view, **answered, page.running: None}
            return
        conversation, version, warning = self.editor.finish(ticket)
        if warning:
            gr.Warning(warning)
        engine = EditSummary.from_dict(job.result).engine
        yield {**self._view(conversation, f"Version {version.number} ready ({engine}, seed {ticket.job['seed']})."),
               page.running: None, page.override: {}, page.message: "", page.seed: ticket.job["seed"]}

    def cancel(self, running):
        if running:
            self.editor.rounds.cancel(running)
            return "Cancelling…"
        return "Nothing is running."

    # -- versions -------------------------------------------------------------------------------
    def undo(self, conversation_id, revision):
        self._need(conversation_id)
        return self._view(self.editor.conversations.undo(conversation_id, int(revision)), "Undone.")

    def redo(self, conversation_id, revision):
        self._need(conversation_id)
        return self._view(self.editor.conversations.redo(conversation_id, int(revision)), "Redone.")

    def branch(self, conversation_id, revision, version_id):
        self._need(conversation_id, version_id)
        conversation = self.editor.conversations.branch(conversation_id, int(revision), version_id)
        version = self.editor.conversations.version(conversation_id, version_id)
        return self._view(conversation, f"Continuing from version {version.number}: the next round starts a "
                                        "new branch there.")

    def restore(self, conversation_id, revision, version_id):
        self._need(conversation_id, version_id)
        conversation, version = self.editor.conversations.restore(conversation_id, int(revision), version_id)
        return self._view(conversation, f"Restored as version {version.number}.")

    def compare(self, conversation_id, first, second):
        self._need(conversation_id, first)
        if not second:
            raise InvalidOptions("choose the second version to compare")
        store = self.editor.conversations
        return _image(store.image(conversation_id, first)), _image(store.image(conversation_id, second))

    def version_settings(self, conversation_id, version_id):
        """Show a version's parameters so they can be re-used (or re-run)."""
        if not conversation_id or not version_id:
            return {}
        version = self.editor.conversations.version(conversation_id, version_id)
        s, page = settings_of(version, self.editor.default_model), self.page
        shown = {page.model: s.model, page.negative_prompt: s.negative_prompt,
                 page.num_inference_steps: s.num_inference_steps, page.guidance_scale: s.guidance_scale,
                 page.strength: s.strength or 0, page.controlnet_conditioning_scale: s.controlnet_conditioning_scale,
                 page.control: s.control, page.prompt: version.prompt if version.parameters.get("operation") else ""}
        return shown if s.seed is None else {**shown, page.seed: s.seed}

    @staticmethod
    def _need(conversation_id, version_id="x"):
        if not conversation_id:
            raise InvalidOptions("upload a picture first")
        if not version_id:
            raise InvalidOptions("choose a version in the list first")


def build_edit_tab(settings: StudioSettings, editor: ChatEditor, blocks: gr.Blocks) -> EditTab:
    """Lay out the tab inside the current gr.Blocks and wire its events. Public events (what gradio_client
    scripts call) are named editor_*; the rest only serve the page."""
    tab = EditTab(settings, editor, _lay_out(settings))
    page, private = tab.page, {"api_visibility": "private"}
    view = page.view
    pointed = [page.picture, page.override, page.status]
    blocks.load(user_errors(tab.restore_page), page.remembered, view, **private)
    page.conversation_id.change(lambda c: c, page.conversation_id, page.remembered, **private)
    page.upload.upload(user_errors(tab.upload), page.upload, view, api_name="editor_upload")
    page.conversation.input(user_errors(tab.switch), page.conversation, view, api_name="editor_open")
    page.delete.click(user_errors(tab.delete), page.conversation_id, view, api_name="editor_delete",
                      js="(id) => (id && confirm('Delete this conversation and all its versions?')) ? id : null")
    page.picture.select(user_errors(tab.point), [page.conversation_id, page.mode, page.override], pointed, **private)
    page.clear.click(user_errors(tab.clear_pointing), page.conversation_id, pointed, api_name="editor_clear_pointing")
    page.conversation_id.change(user_errors(tab.painting_canvas), page.conversation_id, page.painter, **private)
    page.use_paint.click(user_errors(tab.paint), [page.conversation_id, page.painter, page.override], pointed,
                         api_name="editor_paint")
    page.plan.click(user_errors(tab.show_plan), [page.conversation_id, page.message, page.override],
                    [page.picture, page.status], api_name="editor_plan")
    round_outputs = [*view, page.running, page.override, page.message, page.seed]
    gr.on([page.send.click, page.message.submit], user_errors(tab.send),
          [page.conversation_id, page.revision, page.message, page.override, *page.parameters, page.chat],
          round_outputs,
          api_name="editor_send", concurrency_limit=1, concurrency_id="rounds")
    page.rerun.click(user_errors(tab.rerun), [page.conversation_id, page.versions], round_outputs,
                     api_name="editor_rerun", concurrency_limit=1, concurrency_id="rounds")
    page.cancel.click(tab.cancel, page.running, page.status, api_name="editor_cancel")
    page.undo.click(user_errors(tab.undo), [page.conversation_id, page.revision], view, api_name="editor_undo")
    page.redo.click(user_errors(tab.redo), [page.conversation_id, page.revision], view, api_name="editor_redo")
    page.branch.click(user_errors(tab.branch), [page.conversation_id, page.revision, page.versions], view,
                      api_name="editor_branch")
    page.restore.click(user_errors(tab.restore), [page.conversation_id, page.revision, page.versions], view,
                       api_name="editor_restore")
    page.compare.click(user_errors(tab.compare), [page.conversation_id, page.versions, page.other], page.slider,
                       api_name="editor_compare")
    page.objects.click(user_errors(tab.show_objects), page.conversation_id, [page.picture, page.status],
                       api_name="editor_objects")
    page.chat.select(user_errors(tab.pick_version), page.conversation_id,
                     [page.model, page.seed, page.negative_prompt, page.num_inference_steps, page.guidance_scale,
                      page.strength, page.controlnet_conditioning_scale, page.control, page.prompt, page.versions,
                      page.status], **private)
    page.versions.input(user_errors(tab.version_settings), [page.conversation_id, page.versions],
                        [page.model, page.seed, page.negative_prompt, page.num_inference_steps, page.guidance_scale,
                         page.strength, page.controlnet_conditioning_scale, page.control, page.prompt],
                        api_name="editor_version_settings")
    return tab


def _lay_out(settings: StudioSettings) -> EditPage:
    editors = [(f"{name} — {spec.description}", name) for name, spec in EDITORS.items()
               if not spec.development or name == settings.edit_model]
    with gr.Tab("Chat editor", id="editor"):
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    # a script opens a conversation by its id without the page having listed it
                    conversation = gr.Dropdown([], label="Conversation", scale=3, allow_custom_value=True,
                                               elem_id="editor-conversation")
                    upload = gr.UploadButton("New from a picture…", file_types=["image"], scale=1,
                                             elem_id="editor-upload")
                    delete = gr.Button("Delete", size="sm", scale=0, variant="stop", elem_id="editor-delete")
                picture = gr.Image(label="Picture (the plan is drawn on it before a round runs)", interactive=False,
                                   type="numpy", format="png", height=460, buttons=["download", "fullscreen"],
                                   elem_id="editor-picture")
                mode = gr.Radio(MODES, value=MODES[0], label="Clicking the picture", elem_id="editor-mode")
                with gr.Row():
                    clear = gr.Button("Clear pointing", size="sm")
                    objects = gr.Button("Show objects", size="sm", elem_id="editor-objects")
                with gr.Accordion("Paint a region", open=False):
                    painter = gr.ImageEditor(label="Paint over the region to change", type="pil",
                                             elem_id="editor-painter", height=360)
                    use_paint = gr.Button("Use painted region for the next round", size="sm")
            with gr.Column(scale=2):
                chat = gr.Chatbot(label="Conversation", height=300, elem_id="editor-chat")
                message = gr.Textbox(label="Instruction", placeholder="e.g. put a lamp in the bottom left",
                                     elem_id="editor-message", lines=1)
                with gr.Row():
                    plan_button = gr.Button("Show plan", elem_id="editor-plan")
                    send = gr.Button("Send", variant="primary", elem_id="editor-send")
                    cancel = gr.Button("Cancel", variant="stop", elem_id="editor-cancel")
                status = gr.Markdown("Upload a picture to start a conversation.", elem_id="editor-status")
                with gr.Accordion("Parameters", open=False):
                    model = gr.Dropdown(editors, value=settings.edit_model, label="model", elem_id="editor-model")
                    control = gr.Dropdown(["inpaint", "canny", "depth", "none"], value="inpaint",
                                          label="ControlNet condition (control)")
                    with gr.Row():
                        seed = gr.Number(**RoundSettings.limits("seed"), label="seed", precision=0,
                                         elem_id="editor-seed")
                        randomize = gr.Checkbox(True, label="new seed each round", elem_id="editor-randomize")
                    prompt = gr.Textbox("", label="prompt (empty = the plan's)")
                    negative_prompt = gr.Textbox(DEFAULT_NEGATIVE, label="negative_prompt")
                    num_inference_steps = gr.Slider(**RoundSettings.limits("num_inference_steps"), step=1,
                                                    label="num_inference_steps", elem_id="editor-steps")
                    guidance_scale = gr.Slider(**RoundSettings.limits("guidance_scale"), step=0.5,
                                               label="guidance_scale")
                    strength = gr.Slider(**RoundSettings.limits("strength"), step=0.05,
                                         label="strength (0 = the operation's own: 1.0, restyle 0.6)")
                    controlnet_conditioning_scale = gr.Slider(
                        **RoundSettings.limits("controlnet_conditioning_scale"), step=0.05,
                        label="controlnet_conditioning_scale")
                with gr.Accordion("Versions", open=True):
                    versions = gr.Dropdown([], label="Version", elem_id="editor-versions")
                    with gr.Row():
                        undo = gr.Button("Undo", size="sm", interactive=False, elem_id="editor-undo")
                        redo = gr.Button("Redo", size="sm", interactive=False, elem_id="editor-redo")
                        branch = gr.Button("Continue from this version", size="sm", elem_id="editor-branch")
                        restore = gr.Button("Restore as new version", size="sm", elem_id="editor-restore")
                        rerun = gr.Button("Re-run", size="sm", elem_id="editor-rerun")
                    other = gr.Dropdown([], label="Compare with", elem_id="editor-compare-with")
                    compare_button = gr.Button("Compare side by side", size="sm", elem_id="editor-compare")
                    compare = gr.ImageSlider(label="Version / compared with", type="pil", format="png", elem_id="editor-slider")
        conversation_id, revision = gr.State(None), gr.State(0)
        override, running = gr.State({}), gr.State(None)
        remembered = gr.BrowserState(None, storage_key="storefront-studio-conversation")
    return EditPage(conversation, upload, delete, picture, mode, clear, objects, painter, use_paint, chat, message,
                    plan_button, send, cancel, status, model, control, seed, randomize, prompt, negative_prompt,
                    num_inference_steps, guidance_scale, strength, controlnet_conditioning_scale, versions, undo,
                    redo, branch, restore, rerun, other, compare_button, compare, conversation_id, revision,
                    override, running, remembered)
