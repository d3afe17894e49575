"""Command line (scripts rely on this contract):

    python -m layout plan "INSTRUCTION"      one plan as one JSON line
    python -m layout plan < lines.txt        one plan per input line, each independent
    python -m layout session < lines.txt     one plan per line, state carried from line to line;
                                             a blank line starts a new conversation
    python -m layout schema                  the plan's JSON Schema
"""

from __future__ import annotations

import argparse
import json
import sys

from layout.planner import plan_layout
from layout.schema import PLAN_SCHEMA
from layout.state import EMPTY


def _emit(plan: dict) -> None:
    sys.stdout.write(json.dumps(plan, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layout", description="Layout planner on the nine-grid")
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="plan one instruction, or each stdin line independently")
    plan.add_argument("instruction", nargs="?")
    sub.add_parser("session", help="plan stdin lines as one conversation (blank line = new conversation)")
    sub.add_parser("schema", help="print the plan's JSON Schema")
    args = parser.parse_args(argv)
    if args.command == "schema":
        sys.stdout.write(json.dumps(PLAN_SCHEMA, indent=2) + "\n")
        return 0
    if args.command == "plan" and args.instruction is not None:
        _emit(plan_layout(args.instruction)[0])
        return 0
    state = EMPTY
    for line in sys.stdin:
        line = line.rstrip("\n")
        if args.command == "session":
            if not line.strip():
                state = EMPTY
                continue
            result, state = plan_layout(line, state)
        else:
            if not line.strip():
                continue
            result, _ = plan_layout(line, EMPTY)
        _emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
