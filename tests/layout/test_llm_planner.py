"""The optional LLM planner against a small local OpenAI-compatible server: valid answers are used,
anything invalid or late falls back to the rule planner, and the plan says which happened."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from layout import EMPTY, plan_layout, validate_plan
from layout.__main__ import http_complete
from layout.llm import LLMSettings, plan_with_llm

GOOD = {"action": "add", "language": "en", "placement": "planned", "reason": None,
        "objects": [{"name": "lamp", "name_en": "lamp", "box": [0.05, 0.5, 0.3, 0.9], "cells": [[9, 9]],
                     "role": "target"}],
        "prompt_en": "a lamp on the left", "confidence": 0.8, "notes": []}


@pytest.fixture
def llm_server():
    """Answers with whatever `script["content"]` holds after `script["delay"]` seconds; records requests."""
    script = {"content": json.dumps(GOOD), "delay": 0.0, "status": 200, "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script["requests"].append(body)
            time.sleep(script["delay"])
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": script["content"]}}]})
            self.send_response(script["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    yield script
    server.shutdown()


def _plan(script, instruction="put the lamp on the left", state=EMPTY, timeout=2.0):
    settings = LLMSettings(script["url"], "test-model", timeout)
    return plan_with_llm(instruction, state, settings=settings, complete=partial(http_complete, settings))


def test_a_valid_answer_is_used_and_its_cells_are_recomputed(llm_server):
    plan, state = _plan(llm_server)
    assert validate_plan(plan) == [] and plan["notes"][-1] == "planned by test-model"
    assert plan["objects"][0]["cells"] == [[1, 0], [2, 0]]
    assert state.find("lamp").box == (0.05, 0.5, 0.3, 0.9)
    request = llm_server["requests"][0]
    assert request["model"] == "test-model" and request["messages"][-1]["content"] == "put the lamp on the left"
    assert '"prompt_en"' in request["messages"][0]["content"]  # the schema travels with the request


def test_the_state_travels_to_the_model(llm_server):
    _, state = plan_layout("put the vase on the right")
    _plan(llm_server, "a bit higher", state)
    assert '"vase"' in llm_server["requests"][0]["messages"][0]["content"]


@pytest.mark.parametrize(
    "content,reason",
    [
        ("this is not json", "not JSON"),
        (json.dumps({**GOOD, "action": "teleport"}), "does not follow the schema"),
        (json.dumps({**GOOD, "objects": [{**GOOD["objects"][0], "box": [0.9, 0.5, 0.1, 0.9]}]}), "x0 < x1"),
    ],
)
def test_invalid_answers_fall_back_to_the_rule_planner(llm_server, content, reason):
    llm_server["content"] = content
    plan, state = _plan(llm_server)
    assert reason in plan["notes"][-1] and plan["notes"][-1].endswith("rule planner")
    assert plan["objects"][0]["name_en"] == "lamp" and state.find("lamp") is not None


def test_a_late_answer_falls_back_in_time(llm_server):
    llm_server["delay"] = 3.0
    started = time.monotonic()
    plan, _ = _plan(llm_server, timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert "no answer within 0.5 s" in plan["notes"][-1]


def test_an_http_error_falls_back(llm_server):
    llm_server["status"] = 500
    plan, _ = _plan(llm_server)
    assert "HTTPError" in plan["notes"][-1]


def test_command_line_with_an_llm(llm_server):
    done = subprocess.run([sys.executable, "-m", "layout", "plan", "--llm-url", llm_server["url"], "--llm-model", "m",
                           "put the lamp on the left"], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["notes"] == ["planned by m"]


def test_hybrid_mode_asks_the_llm_only_when_the_rule_plan_is_unsure(llm_server):
    settings = LLMSettings(llm_server["url"], "test-model", 2.0, mode="hybrid", threshold=0.75)
    complete = partial(http_complete, settings)
    plan, _ = plan_with_llm("put the lamp on the left", EMPTY, settings=settings, complete=complete)
    assert llm_server["requests"] == [] and "test-model not asked" in plan["notes"][-1]
    unsure, _ = plan_layout("put the zorblax next to the quuxel")  # two words no dictionary knows
    assert unsure["confidence"] < 0.75
    plan, _ = plan_with_llm("put the zorblax next to the quuxel", EMPTY, settings=settings, complete=complete)
    assert len(llm_server["requests"]) == 1 and plan["notes"][-1] == "planned by test-model"


def test_hybrid_settings_are_checked():
    with pytest.raises(ValueError, match="mode"):
        LLMSettings("http://x", "m", mode="sometimes")
    with pytest.raises(ValueError, match="threshold"):
        LLMSettings("http://x", "m", mode="hybrid", threshold=2)
