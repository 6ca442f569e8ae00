"""The hall's value sets are the document's enums (gateway/api/hall_values.py): made from the
hall file when the app is created, checked by the request models themselves. A value the
document offers is never refused as unknown; one it does not offer is a 422 from the model;
and a rule across fields says in the schema exactly what the model checks."""
import itertools
import typing

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from gateway.api import create_app
from gateway.api.actions import TransferBody, clerk_actions
from gateway.api.app import ticket_body
from gateway.api.appointments import booking_body
from gateway.api.hall_values import of
from gateway.kiosk.api import ticket_body as kiosk_body
from gateway.runtime import Runtime
from gateway.upstream.api import RetryRequest
from tests.support.hallday import StepClock, hall

TOKEN, KIOSK, SUP = "clerk-token", "kiosk-token", "supervisor-token"
AUTH, KIOSK_AUTH = {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": f"Bearer {KIOSK}"}


@pytest.fixture
def county(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    yield TestClient(create_app(rt, TOKEN, clock=StepClock(), supervisor_token=SUP, kiosk_token=KIOSK)), rt
    rt.close()


@pytest.mark.parametrize("name", ["county", "village"])
def test_the_document_offers_this_halls_values(name, tmp_path):
    h = hall(name)
    rt = Runtime(h, tmp_path)
    doc = create_app(rt, TOKEN, supervisor_token=SUP, kiosk_token=KIOSK).openapi()
    rt.close()
    number = doc["paths"]["/api/v1/windows/{number}/actions"]["post"]["parameters"][0]
    assert number["name"] == "number" and number["schema"]["enum"] == [w.number for w in h.windows]
    models = doc["components"]["schemas"]
    ticket = models["TicketRequest"]["properties"]
    assert ticket["service"]["enum"] == [s.code for s in h.services]
    assert ticket["matter"]["anyOf"][0]["enum"] == [m.code for s in h.services for m in s.matters]
    assert models["ActionPause"]["properties"]["reason"]["enum"] == list(h.queue.pause_reasons)
    assert models["ActionTransfer"]["properties"]["to_staff"]["anyOf"][0]["enum"] == [s.id for s in h.staff]
    supervisors = [s.id for s in h.staff if s.supervisor]
    by = models["FollowupAction"]["properties"]["by"]
    assert by == ({"type": "string", "enum": supervisors, "title": "By"} if supervisors else {"not": {}, "title": "By"})
    assert models["Booking"]["properties"]["service"]["enum"] == [s.code for s in h.services]


def test_a_value_the_document_offers_is_never_refused_as_unknown(county):
    c, rt = county
    h = rt.hall
    for s in h.services:
        for matter in [None, *(m.code for m in s.matters)]:
            body = {"service": s.code, **({"matter": matter} if matter else {})}
            r = c.post("/api/v1/tickets", json=body, headers=KIOSK_AUTH)
            assert r.status_code == 201, (body, r.text)
    for w in h.windows:  # nobody logged in: the engine's 409, never "no window"
        r = c.post(f"/api/v1/windows/{w.number}/actions", json={"action": "call_next"}, headers=AUTH)
        assert r.status_code == 409 and "nobody is logged in" in r.json()["detail"], r.text
    assert c.post("/api/v1/windows/1/actions", json={"action": "login", "staff_code": "1001"},
                  headers=AUTH).status_code == 200
    for reason in h.queue.pause_reasons:
        r = c.post("/api/v1/windows/1/actions", json={"action": "pause", "reason": reason}, headers=AUTH)
        assert r.status_code == 200 and r.json()["reason"] == reason, r.text
        assert c.post("/api/v1/windows/1/actions", json={"action": "resume"}, headers=AUTH).status_code == 200


def test_a_value_it_does_not_offer_is_the_models_422_naming_the_halls(county):
    c, rt = county
    before = rt.store.seq
    r = c.post("/api/v1/tickets", json={"service": "X9"}, headers=KIOSK_AUTH)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "service"]
    assert "unknown service; this hall has ZH, SB," in r.json()["detail"][0]["msg"]
    assert "X9" not in r.text  # the field named, never the value sent back
    r = c.post("/api/v1/tickets", json={"service": "ZH", "matter": "330681-SB-001"}, headers=KIOSK_AUTH)
    assert r.status_code == 422 and "is not a matter of service ZH" in r.text
    r = c.post("/api/v1/windows/1/actions", json={"action": "pause", "reason": "睡觉"}, headers=AUTH)
    assert r.status_code == 422 and "unknown pause reason; this hall has 会议, 培训" in r.text
    r = c.post("/api/v1/followups/F1/actions", json={"action": "start", "by": "s001"},
               headers={"Authorization": f"Bearer {SUP}"})
    assert r.status_code == 422 and "unknown supervisor" in r.text  # a clerk is no supervisor
    assert rt.store.seq == before


def test_a_window_number_is_its_digits_in_a_path_and_a_number_in_a_body(county):
    c, rt = county
    for path in ("01", "1.0", "+1", "99", "0", "one"):
        r = c.post(f"/api/v1/windows/{path}/actions", json={"action": "call_next"}, headers=AUTH)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "number"], (path, r.text)
    ta = TypeAdapter(clerk_actions(of(rt.hall)))
    assert ta.validate_python({"action": "transfer", "to_window": 2.0}).to_window == 2  # JSON's 2
    for bad in ("2", True, 2.5, 99):
        with pytest.raises(ValueError, match="unknown window"):
            ta.validate_python({"action": "transfer", "to_window": bad})


# -- the rules across fields: the schema and the model agree on every body ------------------------
MISSING = object()


def bodies(fields: dict[str, list]):
    for values in itertools.product(*fields.values()):
        yield {k: v for k, v in zip(fields, values, strict=True) if v is not MISSING}


def agree(model, candidates) -> tuple[int, int]:
    """(accepted, refused) over candidates, asserting the schema and the model say the same."""
    schema = jsonschema_rs.validator_for(model.model_json_schema())
    seen = [0, 0]
    for body in candidates:
        try:
            model.model_validate(body)
            ok = True
        except ValueError:
            ok = False
        assert schema.is_valid(body) == ok, (model.__name__, body, ok)
        seen[ok] += 1
    return seen[1], seen[0]


def test_the_schema_says_what_the_model_checks():
    h = hall("county")
    v = of(h)
    services = [MISSING, None, "ZH", "TY", "X9"]  # TY has one matter
    matters = [MISSING, None, "330681-ZH-001", "330681-TY-001", "330681-XX-001"]
    lanes = [MISSING, "normal", "green", "appointment", "vip"]
    codes = [MISSING, None, "204817", "a b"]
    categories = [MISSING, None, h.kiosk.green_categories[0], "VIP"]
    ticket = agree(ticket_body(v), bodies({"service": services, "matter": matters, "lane": lanes,
                                          "appointment_code": codes}))
    kiosk = agree(kiosk_body(v), bodies({"service": services, "matter": matters, "lane": lanes,
                                        "category": categories, "appointment_code": codes}))
    targets = [MISSING, None, "SB", 2, "s002", "X9"]
    union = typing.get_args(clerk_actions(v))[0]  # Annotated[Union[the models], the discriminator]
    transfer = next(m for m in typing.get_args(union) if m.__name__ == "ActionTransfer")
    assert issubclass(transfer, TransferBody)
    moved = agree(transfer, ({"action": "transfer", **b} for b in bodies(
        {"to_service": targets, "to_window": targets, "to_staff": targets})))
    slot = {"start": "2026-12-09T09:30:00", "end": "2026-12-09T10:00:00"}
    booking = agree(booking_body(v), ({**b, **slot} for b in bodies({"service": services, "matter": matters})))
    retry = agree(RetryRequest, bodies({"eval_id": [MISSING, None, "E1", ""], "all": [MISSING, True, False, 1, "yes"]}))
    for accepted, refused in (ticket, kiosk, moved, booking, retry):
        assert accepted > 0 and refused > 0  # both ways: each rule is met and broken
