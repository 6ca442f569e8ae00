"""Adapter `zj-form`: a form-POST interface modelled on a real province's
(shared/UPSTREAM.md §"Form adapter").

Every request is signed (appKey, timestamp, sign); no token. The record has no
eval_id field: the platform knows a rating by projectNo + assessNumber, which is
why every rating carries a 办件编号 (the clerk's, or one the gateway minted and
said so). The citizen's identity fields stay empty: the evaluator is anonymous.
This interface has no content call and no follow-up call: the hall file's
reasons are used and 差评 follow-ups stay in the hall.
"""
from __future__ import annotations

import time

import httpx

from gateway.config.model import Upstream
from gateway.outbox import ACCEPTED, DEAD, DUPLICATE, RETRY, Result
from gateway.upstream import sign as sg

NAME = "zj-form"
# proStatus (办件状态) by our case type: 办结 for a case finished at the window, 在办
# for one that goes on (承诺件, 联办件, 上报件), 退件 for a refused one.
PRO_STATUS = {"immediate": "3", "promised": "2", "joint": "2", "reported": "2", "refused": "4"}


class ZjForm:
    name = NAME
    supports_followups = False
    has_content = False

    def __init__(self, up: Upstream, secret: str, client: httpx.Client | None = None):
        self.up, self.secret = up, secret
        self.client = client or httpx.Client(timeout=up.timeout_seconds)
        self.token_fetches = 0

    def form(self, rec: dict, extra: dict) -> dict:
        ts = int(time.time() * 1000)
        return {"areaCode": rec["area_code"], "deptCode": rec["dept_code"], "taskCode": rec["task_code"],
                "taskName": rec["task_name"], "projectNo": rec["project_no"],
                "proStatus": PRO_STATUS.get(extra.get("case_type") or "immediate", "3"),
                "proManager": rec["staff_name"], "pf": rec["channel"], "userProp": "",
                "satisfaction": str(rec["level"]), "evalDetail": ",".join(rec["reasons"]),
                "writingEvaluation": "", "assessTime": rec["assess_time"], "assessNumber": str(rec["assess_number"]),
                "acceptDate": extra.get("accept_date") or rec["assess_time"],
                "dataSource": f"hall-edge:{rec['hall_id']}:{rec['eval_id']}",
                "appKey": self.up.app_key, "timestamp": str(ts), "sign": sg.sign(self.secret, ts)}

    def send_rating(self, record: dict, extra: dict | None = None) -> Result:
        try:
            r = self.client.post(self.up.url, data=self.form(record, extra or {}))
        except httpx.HTTPError as e:
            return Result(RETRY, f"no answer from the platform ({type(e).__name__})")
        return classify(r)

    def send_followup(self, record: dict) -> Result:
        return Result(DEAD, "the form interface takes no follow-ups")

    def close(self) -> None:
        self.client.close()


def classify(r: httpx.Response) -> Result:
    if r.status_code == 429 or r.status_code >= 500:
        return Result(RETRY, f"{r.status_code} {r.text[:200]}")
    try:
        body = r.json()
    except ValueError:
        return Result(RETRY if r.status_code == 200 else DEAD, f"{r.status_code} without a JSON answer")
    status = str((body.get("status") or {}).get("code"))
    custom = body.get("custom") or {}
    if status == "200":
        code = str(custom.get("code"))
        if code == "1":
            return Result(ACCEPTED)
        if code == "3":
            return Result(DUPLICATE, str(custom.get("msg") or "重复"))
        return Result(DEAD, f"custom code {code}: {custom.get('msg')}")
    if status == "401":
        return Result(RETRY, f"signature refused ({(body.get('status') or {}).get('msg')}): check app key, "
                             "secret and this machine's clock")
    if status.isdigit() and int(status) >= 500:
        return Result(RETRY, f"status {status}")
    return Result(DEAD, f"status {status}: {body}")
