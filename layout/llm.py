"""An optional LLM planner behind the same interface as the rule planner.

It asks an OpenAI-compatible chat-completions endpoint for a plan in the same JSON schema, validates the
answer, bounds the wait, and falls back to the rule planner on any invalid, failed or late answer (the
plan's notes say so). In `hybrid` mode the rule planner answers first and the LLM is asked only when the
rule plan's confidence is below `threshold` (unknown words, a broken constraint, nothing placed): most
instructions then cost no LLM call at all (`bench/planner.py` prints the share that would go to it). The HTTP call itself is injected (`complete`), so this module stays pure; the
command line supplies a urllib transport.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable

from layout.grid import cells_of, clamp_box
from layout.planner import plan_layout
from layout.schema import PLAN_SCHEMA, validate_plan
from layout.state import EMPTY, LayoutState

Complete = Callable[[dict], dict]

SYSTEM = (
    "You place objects on a picture for an image editor. Answer with one JSON object only, following this "
    "JSON Schema exactly:\n{schema}\nBoxes are [x0, y0, x1, y1] in 0..1, origin top-left, x to the right, y "
    "down; cells are the [row, col] of the 3x3 grid the box covers (row 0 top, col 0 left). name is the "
    "object as the user wrote it, name_en its English name. If the user says nothing about where, answer "
    "placement \"none\" with a reason and no objects; never invent a position. Objects already placed "
    "(JSON): {state}"
)


MODES = ("always", "hybrid")


@dataclass(frozen=True)
class LLMSettings:
    url: str
    model: str
    timeout_s: float = 4.0
    api_key: str | None = None
    mode: str = "always"  # always | hybrid: the rule plan first, the LLM only below `threshold`
    threshold: float = 0.75

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"LLM mode {self.mode!r} is not one of {', '.join(MODES)}")
        if not 0 <= self.threshold <= 1:
            raise ValueError(f"LLM threshold {self.threshold} must be between 0 and 1")


def needs_llm(plan: dict, threshold: float) -> bool:
    """Whether a rule plan is unsure enough to ask the LLM (hybrid mode)."""
    return plan["confidence"] < threshold


def build_request(instruction: str, state: LayoutState, model: str) -> dict:
    system = SYSTEM.format(schema=json.dumps(PLAN_SCHEMA), state=json.dumps(state.to_dict()["objects"]))
    return {
        "model": model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": instruction}],
    }


def parse_response(response: dict) -> dict:
    """The plan inside a chat-completions answer; ValueError says what was wrong with it."""
    try:
        content = response["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ValueError("the answer has no choices[0].message.content") from None
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not JSON ({exc.msg})") from None
    if isinstance(plan, dict):
        for obj in plan.get("objects", []) if isinstance(plan.get("objects"), list) else []:
            if isinstance(obj, dict) and isinstance(obj.get("box"), list) and len(obj["box"]) == 4:
                obj["cells"] = cells_of(tuple(obj["box"]))  # derived, so never trusted from the model
    problems = validate_plan(plan)
    if problems:
        raise ValueError("the plan does not follow the schema: " + "; ".join(problems[:3]))
    return plan


def _apply(plan: dict, state: LayoutState) -> LayoutState:
    if plan["action"] == "remove":
        for obj in plan["objects"]:
            state = state.remove(obj["name_en"])
        return state
    for obj in plan["objects"]:
        if obj["role"] == "target" or state.find(obj["name_en"]) is None:
            state = state.place(obj["name"], obj["name_en"], clamp_box(tuple(obj["box"])))
    return state


def plan_with_llm(
    instruction: str, state: LayoutState = EMPTY, *, settings: LLMSettings, complete: Complete
) -> tuple[dict, LayoutState]:
    """The LLM's plan when it answers validly in time; otherwise the rule planner's, with a note why.
    In hybrid mode a confident rule plan is returned without asking the LLM."""
    if settings.mode == "hybrid":
        rule_plan, rule_state = plan_layout(instruction, state)
        if not needs_llm(rule_plan, settings.threshold):
            rule_plan["notes"] = [*rule_plan["notes"], f"rule planner (confidence {rule_plan['confidence']:.2f}: "
                                  f"{settings.model} not asked)"]
            return rule_plan, rule_state
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-planner")
    future = pool.submit(complete, build_request(instruction, state, settings.model))
    try:
        plan = parse_response(future.result(timeout=settings.timeout_s))
    except FutureTimeout:
        reason = f"no answer within {settings.timeout_s:g} s"
    except ValueError as exc:
        reason = str(exc)
    except Exception as exc:  # the transport's own errors (network, HTTP status): fall back, say which
        reason = f"{type(exc).__name__}: {exc}"
    else:
        plan["notes"] = [*plan["notes"], f"planned by {settings.model}"]
        return plan, _apply(plan, state)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    plan, new_state = (rule_plan, rule_state) if settings.mode == "hybrid" else plan_layout(instruction, state)
    plan["notes"] = [*plan["notes"], f"LLM planner not used ({reason}): rule planner"]
    return plan, new_state
