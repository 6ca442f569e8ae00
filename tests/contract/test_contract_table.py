"""Every operation the gateway serves declares its answers in gateway/api/contract.py:
each route in the source (any extension's, also those only a county or a township
serves) is in the table, and the table names nothing that is not served."""
import re

from gateway.api.contract import TABLE, apply
from tests.support import ROOT

ROUTE = re.compile(r'@\w+\.(get|post|put|delete|patch)\(\s*"([^"]+)"(.*)')


def served() -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / "gateway").rglob("*.py"):
        for m in ROUTE.finditer(path.read_text(encoding="utf-8")):
            if "include_in_schema=False" not in m.group(3):
                found.add((m.group(1).upper(), m.group(2)))
    return found


def test_every_route_is_in_the_table_and_nothing_else():
    assert served() == set(TABLE)


def test_an_unknown_operation_is_reported(tmp_path):
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/api/v1/new")
    def new():
        return {}
    assert apply(app) == [("GET", "/api/v1/new")]


def test_the_clerk_actions_are_one_model_each_told_apart_by_action(tmp_path):
    from gateway.api import create_app
    from gateway.config import load_file
    from gateway.runtime import Runtime
    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), tmp_path)
    doc = create_app(rt, "t1", supervisor_token="t2", kiosk_token="t3").openapi()
    rt.close()
    body = doc["paths"]["/api/v1/windows/{number}/actions"]["post"]["requestBody"]["content"]["application/json"]
    schema = body["schema"]
    assert schema["discriminator"]["propertyName"] == "action" and "rate" not in schema["discriminator"]["mapping"]
    models = doc["components"]["schemas"]
    pause = models["ActionPause"]
    assert pause["required"] == ["action", "reason"] and pause["additionalProperties"] is False
    assert pause["examples"] == [{"action": "pause", "reason": "会议", "until": "14:30"}]
    assert models["ActionTransfer"]["oneOf"] == [{"required": ["to_service"]}, {"required": ["to_window"]},
                                                 {"required": ["to_staff"]}]
    assert set(models["ActionCallNext"]["properties"]) == {"action"}


def test_core_answers_have_models(tmp_path):
    from gateway.api import contract, create_app
    from gateway.config import load_file
    from gateway.runtime import Runtime
    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), tmp_path)
    app = create_app(rt, "t1", supervisor_token="t2", kiosk_token="t3")
    assert contract.apply(app) == []
    doc = app.openapi()
    rt.close()
    ok = doc["paths"]["/api/v1/windows"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"type": "array", "items": {"$ref": "#/components/schemas/Window"}}
    created = doc["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Ticket"}
    assert set(created) == {"201", "400", "401", "409", "422"}
    assert created["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert doc["components"]["schemas"]["Window"]["additionalProperties"] is False
