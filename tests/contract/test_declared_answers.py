"""Every operation the gateway serves declares what it answers where its route is defined
(`responses=answers(...)`, gateway/api/contract.py), read in the served documents: the county's
`hallgw run` and the tiers' routes (帮办代办, the county's view), which start only with a parent,
children or the county's database. Every route in the source is in one of them, and each
operation declares its success answer, each refusal with the one ErrorBody, 400 and 422 for a
body, 422 for parameters, a pushed stream as text/event-stream."""
import re
import threading
import time

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from gateway.api import create_app
from gateway.config import load_file
from gateway.runtime import Runtime
from tests.contract.documents import operations
from tests.support import ROOT

ROUTE = re.compile(r'@\w+\.(get|post|put|delete|patch)\(\s*"([^"]+)"(.*)')
ERROR = {"$ref": "#/components/schemas/ErrorBody"}
STREAM = re.compile(r"/stream/|/clerk/api/events$")


def in_the_source() -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / "gateway").rglob("*.py"):
        for m in ROUTE.finditer(path.read_text(encoding="utf-8")):
            if "include_in_schema=False" not in m.group(3):
                found.add((m.group(1).upper(), m.group(2)))
    return found


def problems(doc: dict) -> list[str]:
    """What an operation of the document leaves undeclared, or declares unlike the rest."""
    out = []
    for (method, path), op in sorted(operations(doc).items()):
        at, answers = f"{method} {path}", op["responses"]
        ok = [c for c in answers if c.startswith("2")]
        if len(ok) != 1 or not answers[ok[0]].get("content"):
            out.append(f"{at}: declares no success answer with its content")
        elif STREAM.search(path) and list(answers[ok[0]]["content"]) != ["text/event-stream"]:
            out.append(f"{at}: a pushed stream answers text/event-stream only")
        for code, answer in answers.items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if code.startswith("4") and schema != ERROR:
                out.append(f"{at}: {code} without the ErrorBody")
            if code.startswith("5") and not schema:
                out.append(f"{at}: {code} without its body")
        needed = ({"400", "422"} if "requestBody" in op else set()) | ({"422"} if op.get("parameters") else set())
        if needed - set(answers):
            out.append(f"{at}: does not declare {', '.join(sorted(needed - set(answers)))}")
    return out


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    """The routes of the tiers, on a township's runtime (their services are not called)."""
    from gateway.county.api import mount
    from gateway.mirror.api import router

    rt = Runtime(load_file(ROOT / "hall_config" / "township.toml"), tmp_path_factory.mktemp("tiers"))
    app = FastAPI()
    app.include_router(router(rt, time.time, lambda: {}, threading.Event()))  # tokens: gateway/roles
    mount(app, None, threading.Event())
    yield app.openapi()
    rt.close()


def test_every_route_in_the_source_is_served(full, tiers):
    assert set(operations(full.doc)) | set(operations(tiers)) == in_the_source()


def test_every_operation_declares_what_it_answers(full, tiers):
    assert problems(full.doc) == []
    assert problems(tiers) == []


def test_a_route_that_declares_nothing_is_found():
    class Body(BaseModel):
        n: int

    app = FastAPI()

    @app.post("/api/v1/new")
    def new(body: Body):
        return {}
    assert problems(app.openapi()) == ["POST /api/v1/new: 422 without the ErrorBody",
                                       "POST /api/v1/new: does not declare 400"]


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), tmp_path_factory.mktemp("village"))
    yield create_app(rt, "t1", supervisor_token="t2", kiosk_token="t3").openapi()
    rt.close()


def test_the_clerk_actions_are_one_model_each_told_apart_by_action(village):
    body = village["paths"]["/api/v1/windows/{number}/actions"]["post"]["requestBody"]["content"]["application/json"]
    schema = body["schema"]
    assert schema["discriminator"]["propertyName"] == "action" and "rate" not in schema["discriminator"]["mapping"]
    models = village["components"]["schemas"]
    pause = models["ActionPause"]
    assert pause["required"] == ["action", "reason"] and pause["additionalProperties"] is False
    # the example is the hall's own: the village's first pause reason
    assert pause["examples"] == [{"action": "pause", "reason": "入户走访", "until": "14:30"}]
    assert pause["properties"]["reason"]["enum"] == ["入户走访", "外出办事", "临时离开"]
    given = {"not": {"type": "null"}}
    assert models["ActionTransfer"]["allOf"] == [{"oneOf": [
        {"properties": {"to_service": given}, "required": ["to_service"]},
        {"properties": {"to_window": given}, "required": ["to_window"]},
        {"properties": {"to_staff": given}, "required": ["to_staff"]}]}]
    assert set(models["ActionCallNext"]["properties"]) == {"action"}


def test_core_answers_have_models(village):
    ok = village["paths"]["/api/v1/windows"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert (ok["type"], ok["items"]) == ("array", {"$ref": "#/components/schemas/Window"})
    created = village["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Ticket"}
    assert set(created) == {"201", "400", "401", "409", "413", "422", "503"}  # a body: 413, 503 too
    assert created["409"]["content"]["application/json"]["schema"] == ERROR
    assert village["components"]["schemas"]["Window"]["additionalProperties"] is False
