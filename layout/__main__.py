"""Command line (scripts rely on this contract):

    python -m layout plan "INSTRUCTION"      one plan as one JSON line
    python -m layout plan < lines.txt        one plan per input line, each independent
    python -m layout session < lines.txt     one plan per line, state carried from line to line;
                                             a blank line starts a new conversation
    python -m layout schema                  the plan's JSON Schema
    python -m layout languages               check the language and noun files, list the languages

Add `--llm-url URL --llm-model NAME` (or STUDIO_LLM_URL / STUDIO_LLM_MODEL / STUDIO_LLM_API_KEY) to plan with
an OpenAI-compatible chat-completions endpoint, falling back to the rule planner on any bad or late answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from functools import partial

from layout.llm import LLMSettings, plan_with_llm
from layout.planner import plan_layout
from layout.schema import PLAN_SCHEMA
from layout.names import forms
from layout.state import EMPTY
from layout.vocab import available, check_files, vocabulary


def _emit(plan: dict) -> None:
    sys.stdout.write(json.dumps(plan, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def http_complete(settings: LLMSettings, body: dict) -> dict:
    """POST a chat-completions request; the entry point's I/O, kept out of the pure planner."""
    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    request = urllib.request.Request(settings.url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=settings.timeout_s) as response:
        return json.loads(response.read())


def _llm_planner(settings: LLMSettings, instruction: str, state):
    return plan_with_llm(instruction, state, settings=settings, complete=partial(http_complete, settings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layout", description="Layout planner on the nine-grid")
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="plan one instruction, or each stdin line independently")
    plan.add_argument("instruction", nargs="?")
    sub.add_parser("session", help="plan stdin lines as one conversation (blank line = new conversation)")
    sub.add_parser("schema", help="print the plan's JSON Schema")
    sub.add_parser("languages", help="check every language and noun file; list the languages")
    for command in (plan, sub.choices["session"]):
        command.add_argument("--llm-url", default=os.environ.get("STUDIO_LLM_URL"),
                             help="OpenAI-compatible chat-completions URL (…/v1/chat/completions)")
        command.add_argument("--llm-model", default=os.environ.get("STUDIO_LLM_MODEL", "gpt-4o-mini"))
        command.add_argument("--llm-timeout", type=float, default=4.0, help="seconds to wait for the LLM")
        command.add_argument("--llm-mode", choices=("always", "hybrid"), default=os.environ.get("STUDIO_LLM_MODE", "always"),
                             help="hybrid: the rule planner first, the LLM only when its confidence is low")
        command.add_argument("--llm-threshold", type=float, default=0.75,
                             help="hybrid mode: ask the LLM below this rule-plan confidence (0..1)")
    args = parser.parse_args(argv)
    if args.command == "schema":
        sys.stdout.write(json.dumps(PLAN_SCHEMA, indent=2) + "\n")
        return 0
    if args.command == "languages":
        problems = check_files()
        for line in problems or [f"{code}  {vocabulary(code).name}: {len(vocabulary(code).meanings)} phrases, "
                                 f"{len(forms(code))} noun forms" for code in available()]:
            sys.stdout.write(line + "\n")
        return 1 if problems else 0
    planner = plan_layout
    if args.llm_url:
        try:
            settings = LLMSettings(args.llm_url, args.llm_model, args.llm_timeout, os.environ.get("STUDIO_LLM_API_KEY"),
                                   args.llm_mode, args.llm_threshold)
        except ValueError as exc:
            parser.error(str(exc))
        planner = partial(_llm_planner, settings)
    if args.command == "plan" and args.instruction is not None:
        _emit(planner(args.instruction, EMPTY)[0])
        return 0
    state = EMPTY
    for line in sys.stdin:
        line = line.rstrip("\n")
        if args.command == "session":
            if not line.strip():
                state = EMPTY
                continue
            result, state = planner(line, state)
        else:
            if not line.strip():
                continue
            result, _ = planner(line, EMPTY)
        _emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
