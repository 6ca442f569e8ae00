"""The emulated province (hil/province), spoken to with plain httpx and the
protocol as UPSTREAM.md writes it, not through the gateway's adapters: it is
the yardstick they are measured with, so it is checked on its own."""
from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hil.province.control import Province
from tests.support.mqtt_client import wait_for

APP_KEY, SECRET = "hall-330102", "s3cret-好差评"


def sign(ts) -> str:
    return hashlib.md5((SECRET + str(ts)).encode()).hexdigest().upper()


def now_ms() -> int:
    return int(time.time() * 1000)


def sm4(obj) -> str:
    key = hashlib.md5(SECRET.encode()).digest()[:16]
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(obj, ensure_ascii=False).encode()) + padder.finalize()
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode()


def record(**over) -> dict:
    rec = {"eval_id": uuid.uuid4().hex, "project_no": "330102-20260302-0007", "task_code": "11330102MB1",
           "task_name": "户籍迁移", "dept_code": "DEPT-GA", "area_code": "330102", "channel": "5", "level": 2,
           "reasons": ["01", "05"], "content_version": "P2026.1", "window": 3, "staff_id": "S017",
           "staff_name": "王芳", "assess_time": "2026-03-02 10:15:00", "assess_number": 1, "hall_id": "county"}
    rec.update(over)
    return rec


def form(**over) -> dict:
    ts = now_ms()
    f = {"areaCode": "330102", "deptCode": "DEPT-GA", "taskCode": "11330102MB1", "taskName": "户籍迁移",
         "projectNo": uuid.uuid4().hex, "proStatus": "办结", "proManager": "王芳", "pf": "5", "userProp": "",
         "satisfaction": "1", "evalDetail": "02,04", "writingEvaluation": "", "assessTime": "2026-03-02 10:15:00",
         "assessNumber": "1", "acceptDate": "2026-03-02 09:50:00", "dataSource": "hall-edge",
         "appKey": APP_KEY, "timestamp": str(ts), "sign": sign(ts)}
    f.update(over)
    return f


@pytest.fixture
def prov(tmp_path):
    with Province(tmp_path / "province", APP_KEY, SECRET) as p:
        yield p


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """For tests that only look at their own records: one process for many cases."""
    with Province(tmp_path_factory.mktemp("shared"), APP_KEY, SECRET) as p:
        yield p


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c


def get_token(c: httpx.Client, p: Province) -> str:
    ts = now_ms()
    r = c.post(p.url + "/hcp/token", json={"app_key": APP_KEY, "timestamp": ts, "sign": sign(ts)})
    assert r.status_code == 200, r.text
    assert r.json()["expires_in"] == 600
    return r.json()["access_token"]


def send(c, p, token, data, path="/hcp/evaluations"):
    return c.post(p.url + path, json={"app_key": APP_KEY, "data": data}, headers={"Authorization": f"Bearer {token}"})


def test_token_sign_and_timestamp(prov, client):
    assert get_token(client, prov)
    ts = now_ms()
    bad = [{"app_key": APP_KEY, "timestamp": ts, "sign": sign(ts + 1)},
           {"app_key": APP_KEY, "timestamp": ts, "sign": sign(ts).lower()},
           {"app_key": "other", "timestamp": ts, "sign": sign(ts)},
           {"app_key": APP_KEY, "timestamp": ts - 301_000, "sign": sign(ts - 301_000)}]
    for body in bad:
        r = client.post(prov.url + "/hcp/token", json=body)
        assert r.status_code == 401 and r.json()["code"] == "401", (body, r.text)
    assert "timestamp" in r.json()["msg"]
    assert prov.state()["tokens_issued"] == 1


def test_accepted_then_duplicate_and_conflict(prov, client):
    token = get_token(client, prov)
    rec = record(project_no_minted=True)
    r = send(client, prov, token, rec)
    assert (r.status_code, r.json()) == (200, {"code": "0", "msg": "成功"})
    r = send(client, prov, token, rec)
    assert (r.status_code, r.json()) == (200, {"code": "3", "msg": "重复值"})
    [stored] = prov.records()
    assert stored["record"] == rec and stored["received_at"] > 0
    assert prov.state()["conflicts"] == 0
    r = send(client, prov, token, dict(rec, level=1))    # same eval_id, other content
    assert r.json()["code"] == "3"
    s = prov.state()
    assert s["accepted"]["hcp-json"] == 1 and s["duplicates_answered"] == 2 and s["conflicts"] == 1
    assert prov.conflicts()[0]["fields"] == ["level"]
    assert s["requests"]["hcp-json"]["200/3"] == 2
    assert [a["key"] for a in prov.attempts() if a["path"] == "/hcp/evaluations"] == [rec["eval_id"]] * 3


@pytest.mark.parametrize("change, field", [
    ({"task_name": None}, "task_name"),          # None = drop the field
    ({"level": 6}, "level"),
    ({"level": "2"}, "level"),
    ({"reasons": ["07"]}, "reasons"),
    ({"level": 4, "reasons": ["01"]}, "reasons"),
    ({"area_code": "33010"}, "area_code"),
    ({"channel": "8"}, "channel"),
    ({"content_version": "P2025.9"}, "content_version"),
    ({"assess_time": "2026-03-02T10:15:00"}, "assess_time"),
    ({"assess_number": 3}, "assess_number"),
    ({"staff_name": " "}, "staff_name"),
])
def test_wrong_record_is_400(shared, client, change, field):
    token = get_token(client, shared)
    rec = {k: v for k, v in record(**change).items() if v is not None}
    r = send(client, shared, token, rec)
    assert r.status_code == 400 and r.json()["code"] == "1", r.text
    assert field in r.json()["msg"]
    assert rec["eval_id"] not in {r["eval_id"] for r in shared.records()}


def test_levels_3_to_5_and_empty_reasons(shared, client):
    token = get_token(client, shared)
    for level, reasons in ((5, []), (3, []), (1, [])):
        assert send(client, shared, token, record(level=level, reasons=reasons)).json()["code"] == "0"
    assert send(client, shared, token, record(window="3号窗口")).json()["code"] == "0"
    assert send(client, shared, token, record(reasons=["01", "01"])).status_code == 400


def test_sm4(tmp_path, client):
    with Province(tmp_path / "p", APP_KEY, SECRET, sm4=True) as p:
        token = get_token(client, p)
        rec = record()
        assert send(client, p, token, sm4(rec)).json() == {"code": "0", "msg": "成功"}
        assert send(client, p, token, sm4(rec)).json()["code"] == "3"
        r = send(client, p, token, record())
        assert r.status_code == 400 and "data" in r.json()["msg"]
        r = send(client, p, token, base64.b64encode(b"not sm4 at all!!").decode())
        assert r.status_code == 400
        [stored] = p.records()
        assert stored["record"] == rec and stored["sm4"] is True


def test_plain_platform_refuses_a_string(shared, client):
    r = send(client, shared, get_token(client, shared), sm4(record()))
    assert r.status_code == 400 and "data" in r.json()["msg"]


def test_token_missing_bad_expired(prov, client):
    r = client.post(prov.url + "/hcp/evaluations", json={"app_key": APP_KEY, "data": record()})
    assert r.status_code == 401
    assert send(client, prov, "nope", record()).status_code == 401
    token = get_token(client, prov)
    assert send(client, prov, token, record()).status_code == 200
    prov.control(fault="expire_tokens")
    r = send(client, prov, token, record())
    assert r.status_code == 401 and "expired" in r.json()["msg"]
    assert send(client, prov, get_token(client, prov), record()).status_code == 200
    assert prov.state()["accepted"]["hcp-json"] == 2


def test_token_ttl(tmp_path, client):
    with Province(tmp_path / "p", APP_KEY, SECRET, token_ttl=0.5) as p:
        ts = now_ms()
        token = client.post(p.url + "/hcp/token", json={"app_key": APP_KEY, "timestamp": ts,
                                                          "sign": sign(ts)}).json()["access_token"]
        time.sleep(0.6)
        assert send(client, p, token, record()).status_code == 401


def test_5xx_count(prov, client):
    token = get_token(client, prov)
    prov.control(fault="5xx", count=2)
    rec = record()
    assert [send(client, prov, token, rec).status_code for _ in range(3)] == [503, 503, 200]
    assert prov.state()["requests"]["hcp-json"]["503"] == 2


def test_cut_after_accept(prov, client):
    token = get_token(client, prov)
    prov.control(fault="cut_after_accept", count=1)
    rec = record()
    with pytest.raises(httpx.TransportError):
        send(client, prov, token, rec)
    assert [r["eval_id"] for r in prov.records()] == [rec["eval_id"]]
    assert send(client, prov, token, rec).json()["code"] == "3"
    prov.control(fault="cut_after_accept", count=1)
    with pytest.raises(httpx.TransportError):   # the form adapter is cut too
        client.post(prov.url + "/zj/evaluation", data=form())
    assert len(prov.form_records()) == 1
    s = prov.state()
    assert s["requests"]["hcp-json"]["cut"] == 1 and s["duplicates_answered"] == 1


def test_offline_online(prov, client):
    token = get_token(client, prov)
    prov.control(fault="offline")
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            send(client, prov, token, record())
    assert prov.state()["faults"]["offline"] is True     # control still answers
    prov.control(fault="online")
    assert send(client, prov, token, record()).status_code == 200
    assert prov.state()["requests"]["hcp-json"]["offline"] == 2


def test_timeout_slow_clear(prov):
    rec = record()
    with httpx.Client(timeout=0.3) as c:
        token = get_token(c, prov)
        prov.control(fault="timeout", count=1, seconds=0.6)
        with pytest.raises(httpx.ReadTimeout):
            send(c, prov, token, rec)
        # The request log says when the platform is done with it: then it stored nothing.
        assert wait_for(lambda: [a["answer"] for a in prov.attempts() if a["path"] == "/hcp/evaluations"] == ["timeout"])
        assert prov.records() == []          # timed out unprocessed
        prov.control(fault="slow", count=1, seconds=0.6)
        with pytest.raises(httpx.ReadTimeout):
            send(c, prov, token, rec)
    assert wait_for(lambda: len(prov.attempts()) and prov.attempts()[-1]["answer"] == "200/0")
    assert len(prov.records()) == 1           # slow: processed, the answer came too late
    prov.control(fault="5xx", count=5)
    prov.control(fault="cut_after_accept", count=1)
    assert prov.state()["faults"]["queue"] == [{"fault": "5xx", "count": 5, "seconds": 0.0}]
    prov.control(fault="clear")
    assert prov.state()["faults"] == {"queue": [], "cut_after_accept": 0, "offline": False}
    r = httpx.post(prov.url + "/_control", json={"fault": "nonsense"})
    assert r.status_code == 400


def test_content_and_publish(prov, client):
    token = get_token(client, prov)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(prov.url + "/hcp/content/version", headers=auth).json() == {"version": "P2026.1"}
    body = client.get(prov.url + "/hcp/content", params={"level": 1}, headers=auth).json()
    assert body["version"] == "P2026.1" and body["level"] == 1
    assert [r["code"] for r in body["reasons"]] == ["01", "02", "03", "04", "05", "06", "99"]
    assert client.get(prov.url + "/hcp/content", params={"level": 4}, headers=auth).json()["reasons"] == []
    assert client.get(prov.url + "/hcp/content", params={"level": 0}, headers=auth).status_code == 400
    assert client.get(prov.url + "/hcp/content/version").status_code == 401
    new = [{"code": "11", "text": "材料反复退回"}, {"code": "99", "text": "其他"}]
    prov.control(fault="publish", version="P2026.2", reasons={"1": new, "2": new})
    assert client.get(prov.url + "/hcp/content/version", headers=auth).json() == {"version": "P2026.2"}
    body = client.get(prov.url + "/hcp/content", params={"level": 2}, headers=auth).json()
    assert body == {"version": "P2026.2", "level": 2, "reasons": new}
    # The old version stays valid for records that name it; each version has its own reasons.
    assert send(client, prov, token, record(reasons=["01"])).json()["code"] == "0"
    assert send(client, prov, token, record(content_version="P2026.2", reasons=["11"])).json()["code"] == "0"
    r = send(client, prov, token, record(content_version="P2026.2", reasons=["01"]))
    assert r.status_code == 400 and "reasons" in r.json()["msg"]
    r = httpx.post(prov.url + "/_control", json={"fault": "publish", "version": "P2026.2", "reasons": {}})
    assert r.status_code == 400


def test_followups(prov, client):
    token = get_token(client, prov)
    rec = record()
    send(client, prov, token, rec)
    fu = {"eval_id": rec["eval_id"], "state": "待整改", "at": "2026-03-02 10:20:00", "note": ""}
    assert send(client, prov, token, fu, "/hcp/followups").json()["code"] == "0"
    assert send(client, prov, token, fu, "/hcp/followups").json()["code"] == "3"
    assert send(client, prov, token, dict(fu, state="rectified"), "/hcp/followups").json()["code"] == "0"
    assert send(client, prov, token, dict(fu, state="done"), "/hcp/followups").status_code == 400
    assert send(client, prov, token, dict(fu, eval_id="unknown"), "/hcp/followups").status_code == 400
    assert [f["state"] for f in prov.followups()] == ["待整改", "rectified"]
    assert prov.state()["followups"] == 2 and prov.state()["duplicates_answered"] == 0


def test_form_adapter(prov, client):
    url = prov.url + "/zj/evaluation"
    f = form()
    assert client.post(url, data=f).json() == {"status": {"code": "200"}, "custom": {"code": "1"}}
    assert client.post(url, data=f).json()["custom"]["code"] == "3"
    assert client.post(url, data=dict(f, assessNumber="2")).json()["custom"]["code"] == "1"
    for change, field in (({"userProp": "1"}, "userProp"), ({"satisfaction": "4", "evalDetail": "01"}, "evalDetail"),
                          ({"evalDetail": "01,42"}, "evalDetail"), ({"satisfaction": "6"}, "satisfaction"),
                          ({"pf": "0"}, "pf"), ({"assessTime": "2026-03-02 09:00:00"}, "assessTime")):
        body = client.post(url, data=form(**change)).json()
        assert body["status"]["code"] == "200" and body["custom"]["code"] == "2", (change, body)
        assert field in body["custom"]["msg"]
    ts = now_ms()
    for bad in ({"sign": sign(ts + 5), "timestamp": str(ts)}, {"appKey": "x"},
                {"timestamp": str(ts - 400_000), "sign": sign(ts - 400_000)}):
        r = client.post(url, data=form(**bad))
        assert r.status_code == 200 and r.json()["status"]["code"] == "401", r.text
    assert client.post(url, data=form(satisfaction="5", evalDetail="")).json()["custom"]["code"] == "1"
    records = prov.form_records()
    assert [r["key"] for r in records][:2] == [f"{f['projectNo']}#1", f"{f['projectNo']}#2"]
    assert "sign" not in records[0]["fields"] and records[0]["fields"]["taskName"] == "户籍迁移"
    s = prov.state()
    assert s["accepted"]["zj-form"] == 3 and s["duplicates_answered"] == 1
    assert s["requests"]["zj-form"] == {"200/1": 3, "200/3": 1, "200/2": 6, "200/401": 3}


def test_kill_and_restart_keep_records(tmp_path, client):
    p = Province(tmp_path / "p", APP_KEY, SECRET).start()
    try:
        token = get_token(client, p)
        rec = record()
        send(client, p, token, rec)
        client.post(p.url + "/zj/evaluation", data=form())
        p.control(fault="publish", version="P2026.2", reasons={"1": [{"code": "11", "text": "x"}]})
        url = p.url
        p.kill()
        with pytest.raises(httpx.TransportError):
            get_token(client, p)
        p.start()
        assert p.url == url
        assert [r["record"] for r in p.records()] == [rec] and len(p.form_records()) == 1
        assert p.state()["version"] == "P2026.2"
        assert send(client, p, token, rec).status_code == 401    # tokens were in memory
        assert send(client, p, get_token(client, p), rec).json()["code"] == "3"
    finally:
        assert p.stop() == 0     # SIGTERM: a clean exit


def test_praise_tags_mode_lists_a_list_for_every_level(tmp_path, client, prov):
    def listed(p, token, level):
        r = client.get(p.url + "/hcp/content", params={"level": level}, headers={"Authorization": f"Bearer {token}"})
        return [x["code"] for x in r.json()["reasons"]]
    token = get_token(client, prov)
    assert [bool(listed(prov, token, lv)) for lv in range(1, 6)] == [True, True, False, False, False]
    assert send(client, prov, token, record(level=5, reasons=["H51"])).json()["code"] == "1"  # no tags here
    with Province(tmp_path / "praising", APP_KEY, SECRET, praise_tags=True) as p:
        token = get_token(client, p)
        assert listed(p, token, 1) == listed(prov, get_token(client, prov), 1)  # the 差评 reasons as ever
        assert listed(p, token, 5) == ["H51", "H52", "H53", "H54"] and listed(p, token, 3) == ["H31", "H32"]
        assert send(client, p, token, record(level=5, reasons=["H51", "H53"])).json()["code"] == "0"
        assert send(client, p, token, record(level=5, reasons=["01"])).json()["code"] == "1"  # a 差评 reason
        assert p.state()["praise_tags"] is True
