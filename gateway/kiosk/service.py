"""Taking a ticket at the kiosk: check the printer, issue, print, check again.

No phantom tickets (DOMAIN §6.4): a printer that cannot print before is not used: the ticket
is issued "on screen only" and the kiosk shows the number large. A ticket that goes to the
printer is issued `printing`: in its place in the line, but no window can call it (a clerk's
call meanwhile takes the next one) until the slip is out whole (slip_printed). A slip that
fails, or a printer that is out (or silent) after it, voids the ticket, which nobody called.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo

from gateway.api.app import issue_with_code
from gateway.engine import reads
from gateway.engine.commands import problem
from gateway.kiosk import estimate, qr
from gateway.kiosk.monitor import PrinterMonitor
from gateway.printer import layout
from gateway.printer.connection import Link, PrinterError
from gateway.printer.status import PRINTABLE, STATE_CN

log = logging.getLogger("hallgw.kiosk")
REMEMBER = "请记住您的号码，留意屏幕和广播叫号"


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class KioskService:
    def __init__(self, runtime, clock, poll_seconds: float = 30.0):
        self.runtime, self.hall, self.clock = runtime, runtime.hall, clock
        self.cfg = self.hall.kiosk
        self.tz = zoneinfo.ZoneInfo(self.hall.timezone)
        self.monitor = PrinterMonitor("kiosk", str(self.cfg.printer), clock)
        self.lock = threading.Lock()  # one slip at a time: bytes and status answers must not interleave
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.services = {s.code: s for s in self.hall.services}

    # -- life: a printer that runs out between tickets still reaches the supervisor -------------
    def start(self) -> None:
        if self.settle_left_printing():
            log.warning("kiosk: tickets left printing at the last stop were voided")
        if self.cfg.printer.kind != "none" and self.poll_seconds > 0:
            self._thread = threading.Thread(target=self._poll, daemon=True, name="kiosk-printer")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.poll_seconds)

    def check(self) -> str:
        with self.lock:
            link = self._link()
            try:
                return self._status(link)
            finally:
                link.close()

    # -- the printer ----------------------------------------------------------------------------
    def _link(self) -> Link:
        return Link(self.cfg.printer, self.cfg.status_timeout_seconds)

    def _status(self, link: Link) -> str:
        if self.cfg.printer.kind == "none":
            self.monitor.note("none")
            return "none"
        try:
            if link.dev is None:
                link.open()
            state = link.status()
        except PrinterError as e:
            self.monitor.note("offline", str(e))
            return "offline"
        self.monitor.note(state, None if state != "unknown" else "no answer to DLE EOT (status)")
        return state

    # -- a ticket ---------------------------------------------------------------------------------
    def check_request(self, req) -> None:
        if req.lane == "appointment" and req.appointment_code is not None and req.service is None:
            booked = self.runtime.read(lambda eng: reads.appointment_today(eng, req.appointment_code))
            if booked is None:
                raise Refused(409, f"no appointment with code {req.appointment_code} today")
            req.service, req.matter = booked["service"], req.matter or booked["matter"]
        if req.service is None:
            raise Refused(422, "service is required; 预约签到 (lane appointment) needs only its appointment_code")
        svc = self.services.get(req.service)
        if svc is None:
            raise Refused(422, f"unknown service {req.service!r}; this hall has {', '.join(self.services)}")
        matters = {m.code for m in svc.matters}
        if req.matter is None and matters:
            raise Refused(422, f"service {svc.code} needs its matter (事项): one of {', '.join(sorted(matters))}")
        if req.matter is not None and req.matter not in matters:
            raise Refused(422, f"matter {req.matter!r} is not a matter of service {svc.code}")
        cats = self.cfg.green_categories
        if req.lane == "green" and req.category not in cats:
            raise Refused(422, f"the green channel (绿色通道) needs a category: one of {', '.join(cats)}")
        if req.lane != "green" and req.category is not None:
            raise Refused(422, "category is for the green channel (lane green) only")
        if (req.lane == "appointment") != (req.appointment_code is not None):
            raise Refused(422, "appointment_code goes with lane appointment (预约签到), and only there")

    def take(self, req, key=None) -> tuple[int, dict]:
        """key: the request's Idempotency-Key claim (gateway/api/once.py), carried by the issue."""
        self.check_request(req)
        with self.lock:
            link = self._link()
            try:
                return self._take(req, link, key)
            finally:
                link.close()

    def _take(self, req, link: Link, key) -> tuple[int, dict]:
        before = self._status(link)
        printing = before in PRINTABLE
        t = self._issue(req, printing, key)
        if not printing:
            why = ("本机不出纸质号票" if before == "none" else f"打印机{STATE_CN[before]}") + "，" + REMEMBER
            log.warning("kiosk: ticket %s on screen only: printer %s", t["number"], before)
            return 201, self._reply(self._answer(t, req), printed=False, on_screen=True, reason=why)
        after, cause = "offline", "the kiosk failed while printing"
        try:
            answer = self._answer(t, req)
            after, cause = self._print(link, answer, req)
        finally:
            # Printed whole: callable now. Anything else (the slip failed, or the kiosk itself
            # did): voided, and it was never callable, so nobody has been called for it.
            if cause is None and not self._run({"type": "slip_printed", "at": self.clock(), "ticket": t["id"]}).ok:
                cause = "the service day ended while it printed"  # the day's reset took it: gone
            if cause is not None:
                self._void(t, f"打印失败: {STATE_CN[after]}", cause)
        if cause is None:
            return 201, self._reply(answer, printed=True, on_screen=False, reason="请取票")
        said = f"打印机{STATE_CN[after]}，号票没能打印出来" if after not in PRINTABLE else "今天的取号已结束"
        return 503, self._reply(answer, printed=False, on_screen=False, voided=True,
                                reason=f"抱歉，{said}，此号已作废，不会叫到此号，请点“重新取号”")

    def _print(self, link: Link, answer: dict, req) -> tuple[str, str | None]:
        """(the printer's state after the slip, why it failed or None when it printed whole)."""
        try:
            link.send(layout.render(self._slip(answer, req), self.cfg.dots, self.cfg.chinese))
        except PrinterError as e:
            self.monitor.note("offline", str(e))
            return "offline", str(e)
        after = self._status(link)
        return after, None if after in PRINTABLE else f"printer {after} after printing"

    def _void(self, t: dict, why: str, cause: str) -> None:
        # Refused only for a ticket the day's reset took already: out of the line all the same.
        out = self._run({"type": "void_ticket", "at": self.clock(), "ticket": t["id"],
                         "reason": f"{why} ({cause})"[:500]})
        log.warning("kiosk: ticket %s voided: %s%s", t["number"], cause, "" if out.ok else f" ({out.refusal})")

    def settle_left_printing(self) -> int:
        """Void the tickets a kiosk was printing when the gateway stopped (a power cut, a crash):
        whether their slips came out is unknown, and they must not stay uncallable in the line."""
        left = self.runtime.read(reads.printing)
        for t in left:
            self._void({"id": t.id, "number": t.number}, "网关停止时正在打印，未能确认出票",
                       "the gateway stopped while it printed")
        return len(left)

    def recovered(self, t: dict, req) -> tuple[int, dict]:
        """The answer to a ticket request repeated after the gateway stopped between the ticket
        and its answer, as the ticket stands now: voided (left printing, settle_left_printing),
        or in line with its number on screen (whether a slip came out is not known)."""
        now = self.runtime.read(lambda eng: reads.ticket(eng, t["id"]))
        answer = self._answer(t, req)
        if now is not None and now.state != "done":
            return 201, self._reply(answer, printed=False, on_screen=True, reason=REMEMBER)
        return 503, self._reply(answer, printed=False, on_screen=False, voided=True,
                                reason="抱歉，此号已作废，不会叫到此号，请点“重新取号”")

    def _run(self, cmd: dict, key=None):
        why = problem(cmd, {w.number: w for w in self.hall.windows})
        if why:
            raise Refused(422, why)
        return self.runtime.submit(cmd, key=key)

    def _issue(self, req, printing: bool, key) -> dict:
        cmd = {"type": "issue_ticket", "at": self.clock(), "service": req.service, "lane": req.lane}
        if printing:
            cmd["printing"] = True  # not callable until its slip is out
        for k in ("matter", "category", "appointment_code"):
            if getattr(req, k) is not None:
                cmd[k] = getattr(req, k)  # kept in the logged command; the engine need not check them
        out = issue_with_code(lambda c: self._run(c, key), self.hall, cmd)
        if not out.ok:
            raise Refused(409, out.refusal)
        return out.result

    def _answer(self, t: dict, req) -> dict:
        svc = self.services[t["service"]]
        matter = next((m.name for m in svc.matters if m.code == t["matter"]), None)

        def read(eng):
            n = reads.ahead(eng, t["id"]) if reads.ticket(eng, t["id"]) is not None else 0
            c = reads.clock(eng)
            return n, estimate.wait_minutes(eng, t["service"], n), c.synced is not False or c.confirmed
        ahead, wait, trusted = self.runtime.read(read)
        # A clock not yet synchronized may be on yesterday's saved time: no time on the slip then,
        # rather than a wrong one in the citizen's hand (the ticket keeps its place either way).
        url = f"{self.cfg.public_base_url}/t/{t['id']}" + (f"?c={t['sup_code']}" if t.get("sup_code") else "")
        return {"id": t["id"], "number": t["number"], "service": svc.code, "service_name": svc.name,
                "department": svc.department, "matter": t["matter"], "matter_name": matter, "lane": t["lane"],
                "category": req.category, "issued_at": t["issued_at"], "issued": self._local(t["issued_at"]) if trusted else "",
                "ahead": ahead, "estimated_wait_minutes": wait, "sup_code": t.get("sup_code"),
                "qr_url": url if self.cfg.public_base_url else None}

    def _local(self, at: float) -> str:
        return dt.datetime.fromtimestamp(at, self.tz).strftime("%Y-%m-%d %H:%M")

    def _slip(self, a: dict, req) -> layout.Slip:
        return layout.Slip(hall_name=self.hall.name, number=a["number"], service_name=a["service_name"],
                           matter_name=a["matter_name"], department=a["department"], lane=a["lane"],
                           category=a["category"], issued=a["issued"], ahead=a["ahead"],
                           wait_minutes=a["estimated_wait_minutes"], qr_url=a["qr_url"] or "",
                           instructions=self.cfg.instructions)

    def _reply(self, ticket: dict, printed: bool, on_screen: bool, reason: str, voided: bool = False) -> dict:
        if on_screen and ticket["qr_url"]:  # no slip: the screen carries the slip's QR code
            ticket = {**ticket, "qr_image": qr.data_url(ticket["qr_url"])}
        m = self.monitor.view()
        return {"ticket": ticket, "printed": printed, "on_screen": on_screen, "voided": voided, "reason": reason,
                "printer": {"state": m["state"], "state_name": m["state_name"], "since": m["since"]}}

    def menu(self) -> dict:
        """Departments -> services -> matters, as the hall file lists them, for the kiosk page."""
        deps: dict[str, list] = {}
        for s in self.hall.services:
            deps.setdefault(s.department, []).append(
                {"code": s.code, "name": s.name, "prefix": s.prefix,
                 "matters": [{"code": m.code, "name": m.name} for m in s.matters]})
        return {"hall": self.hall.name, "departments": [{"name": k, "services": v} for k, v in deps.items()],
                "green_categories": list(self.cfg.green_categories), "printer": self.monitor.view()["state"]}
