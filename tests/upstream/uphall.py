"""Helpers for the upstream tests: the county hall with [upstream] switched on and
pointed at an emulated platform, and ratings made the way a window makes them."""
from __future__ import annotations

from pathlib import Path

from gateway.config import load_text
from gateway.upstream.secret import write_secret
from hil.province.hall_file import with_upstream
from tests.support import ROOT

SECRET = "s3cret-of-the-province"
APP_KEY = "county-demo"


def upstream_text(url: str, secret_file: Path, adapter: str = "hcp-json", sm4: bool = False,
                  level_map: str | None = None, extra: str = "", name: str = "county") -> str:
    text = (ROOT / "hall_config" / f"{name}.toml").read_text(encoding="utf-8")
    kw = {"level_map": level_map} if level_map else {}
    return with_upstream(text, url, APP_KEY, secret_file, adapter=adapter, sm4=sm4, retry_max=1, extra=extra, **kw)


def hall_for(url: str, tmp: Path, **kw):
    secret_file = tmp / "upstream.secret"
    write_secret(secret_file, SECRET)
    return load_text(upstream_text(url, secret_file, **kw), str(tmp / "hall.toml"))


class Window:
    """One window of a runtime or engine, serving and asking for ratings."""

    def __init__(self, submit, clock, window: int = 1, staff_code: str = "1001"):
        self.submit, self.clock, self.window = submit, clock, window
        self.do("login", window=window, staff_code=staff_code)

    def do(self, type: str, **kw):
        out = self.submit({"type": type, "at": self.clock(), **kw})
        assert out.ok, f"{type}: {out.refusal}"
        return out

    def rated(self, level: int, reasons=(), service: str = "ZH", matter: str | None = "330681-ZH-001",
              project_no: str | None = None) -> dict:
        cmd = {"type": "issue_ticket", "at": self.clock(), "service": service}
        if matter:
            cmd["matter"] = matter
        out = self.submit(cmd)
        assert out.ok, out.refusal
        for kind in ("call_next", "start"):
            self.do(kind, window=self.window)
        if project_no:
            self.do("attach_case", window=self.window, project_no=project_no)
        self.do("finish", window=self.window)
        prompt = self.do("request_evaluation", window=self.window).result["prompt"]
        out = self.do("rate", window=self.window, prompt=prompt, level=level, reasons=list(reasons))
        return next(e for e in out.events if e["type"] == "rating_recorded")
