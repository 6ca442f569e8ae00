"""Adapter `hcp-json`: the reference provincial interface (shared/UPSTREAM.md).

A bearer token from app key + MD5 signature, JSON records, optional SM4 body.
Answers: code 0 accepted, code 3 重复值 (the platform has this eval_id: delivered),
401 a new token and send again, 400 the record is wrong (dead letter), 429 and
5xx later. No answer at all (timeout, cut connection) is "later" too: the
platform may have stored it, and the resend gets 重复值.
"""
from __future__ import annotations

import threading
import time

import httpx

from gateway.config.model import Upstream
from gateway.outbox import ACCEPTED, DEAD, DUPLICATE, RETRY, Result
from gateway.upstream import sign as sg

NAME = "hcp-json"


class HcpJson:
    name = NAME
    supports_followups = True
    has_content = True

    def __init__(self, up: Upstream, secret: str, client: httpx.Client | None = None):
        self.up, self.secret = up, secret
        self.base = up.url.rstrip("/")
        self.client = client or httpx.Client(timeout=up.timeout_seconds)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self.token_fetches = 0

    # -- the token ----------------------------------------------------------------
    def token(self, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or time.time() >= self._token_until:
                ts = int(time.time() * 1000)
                r = self.client.post(f"{self.base}/token", json={"app_key": self.up.app_key, "timestamp": ts,
                                                                 "sign": sg.sign(self.secret, ts)})
                if r.status_code != 200:
                    raise TokenRefused(f"token refused ({r.status_code} {_msg(r)}): check app_key, the "
                                       "secret and this machine's clock")
                body = r.json()
                # Renew a little early so a token does not run out between fetch and use.
                ttl = float(body.get("expires_in") or 0)
                self._token, self._token_until = body["access_token"], time.time() + max(0.0, ttl * 0.9)
                self.token_fetches += 1
            return self._token

    def _call(self, method: str, path: str, **kw) -> httpx.Response:
        """One call with the bearer token; on 401 a fresh token and one more try."""
        r = None
        for fresh in (False, True):
            r = self.client.request(method, f"{self.base}{path}",
                                    headers={"Authorization": f"Bearer {self.token(fresh)}"}, **kw)
            if r.status_code != 401:
                return r
        return r

    def _body(self, obj: dict) -> dict:
        return {"app_key": self.up.app_key, "data": sg.sm4_encrypt(self.secret, obj) if self.up.sm4 else obj}

    # -- records --------------------------------------------------------------------
    def send_rating(self, record: dict) -> Result:
        return self._send("/evaluations", record)

    def send_followup(self, record: dict) -> Result:
        return self._send("/followups", record)

    def _send(self, path: str, record: dict) -> Result:
        try:
            r = self._call("POST", path, json=self._body(record))
        except TokenRefused as e:
            return Result(RETRY, str(e))
        except httpx.HTTPError as e:
            return Result(RETRY, f"no answer from the platform ({type(e).__name__})")
        return classify(r)

    # -- content ----------------------------------------------------------------------
    def content_version(self) -> str:
        r = self._call("GET", "/content/version")
        r.raise_for_status()
        return str(r.json()["version"])

    def reasons_of(self, level_code: str) -> tuple[str, list[dict]]:
        r = self._call("GET", "/content", params={"level": level_code})
        r.raise_for_status()
        body = r.json()
        return str(body["version"]), [{"code": str(x["code"]), "text": str(x["text"])}
                                      for x in body.get("reasons") or []]

    def close(self) -> None:
        self.client.close()


class TokenRefused(Exception):
    pass


def classify(r: httpx.Response) -> Result:
    if r.status_code == 200:
        try:
            body = r.json()
        except ValueError:
            return Result(RETRY, "200 without a JSON answer")
        code = str(body.get("code"))
        if code == "0":
            return Result(ACCEPTED)
        if code == "3":
            return Result(DUPLICATE, str(body.get("msg") or "重复值"))
        return Result(DEAD, f"code {code}: {body.get('msg')}")
    if r.status_code == 401:
        return Result(RETRY, f"401 with a fresh token: {_msg(r)}")
    if r.status_code == 429 or r.status_code >= 500:
        return Result(RETRY, f"{r.status_code} {_msg(r)}")
    return Result(DEAD, f"{r.status_code} {_msg(r)}")


def _msg(r: httpx.Response) -> str:
    try:
        body = r.json()
        return str(body.get("msg") or body.get("detail") or body)[:300]
    except ValueError:
        return r.text[:300]
