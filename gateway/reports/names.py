"""The names people read for the codes in the report's rows: services, matters (事项), windows,
staff, levels, 差评 reasons and alert kinds, from the hall file and, for a reason, from the
evaluation content version its rating was made with (the province's wording at that time).

A code the hall file no longer knows (a service taken out since) is still named in Chinese,
with its code, never left as a bare code."""
from __future__ import annotations

from gateway.engine.satisfaction import LEVEL_CN
from gateway.reports.live import ALERT_CN, ROLE_CN

SOURCE_CN = {"evaluator": "窗口评价器", "supplementary": "补充评价"}


class Names:
    def __init__(self, hall, versions: dict[str, dict[str, str]] | None = None):
        self.services = {s.code: s.name for s in hall.services}
        self.matters = {(s.code, m.code): m.name for s in hall.services for m in s.matters}
        self.windows = {w.number: w.display_text for w in hall.windows}
        self.staff = {s.id: s.name for s in hall.staff}
        self.roles = {d.id: d.role for d in hall.devices}
        # The hall file's reasons are the content until the province's first download: they are
        # never in the log, so they stand beside the versions the log received.
        ev = hall.evaluation
        self.versions = {ev.reasons_version: {r.code: r.text for r in ev.reasons}}
        for version, texts in (versions or {}).items():
            self.versions[version] = {**self.versions.get(version, {}), **texts}

    @classmethod
    def of(cls, hall, store) -> Names:
        """With the content versions the reporting store folded from the log."""
        versions: dict[str, dict[str, str]] = {}
        for version, code, text in store.query("SELECT version, code, text FROM reasons"):
            versions.setdefault(version, {})[code] = text
        return cls(hall, versions)

    def service(self, code: str | None) -> str | None:
        return None if code is None else self.services.get(code, f"业务{code}")

    def matter(self, service: str | None, code: str | None) -> str | None:
        return None if code is None else self.matters.get((service, code), f"事项{code}")

    def window(self, number: int | None) -> str | None:
        return None if number is None else self.windows.get(number, f"{number}号窗口")

    def person(self, staff: str | None) -> str | None:
        return None if staff is None else self.staff.get(staff, f"工号{staff}")

    def reason(self, version: str | None, code: str) -> str:
        """The reason's text in the version the rating was made with; else in any version that
        has the code (a rating recorded before versions were kept); else the code, named."""
        text = self.versions.get(version or "", {}).get(code)
        if text is None:
            text = next((v[code] for v in reversed(self.versions.values()) if code in v), None)
        return text or f"原因{code}"

    @staticmethod
    def level(level: int | None) -> str | None:
        return None if level is None else LEVEL_CN.get(int(level), f"{level}级")

    def alert(self, kind: str | None, key: str | None = None) -> str:
        """key: the alert's; a flooding device's names which device of the window it was."""
        name = ALERT_CN.get(kind or "", "告警")
        if kind == "device_flood" and key:
            dev = key.split(":", 1)[-1]
            name += f"（{ROLE_CN.get(self.roles.get(dev), '未登记的设备')}）"
        return name

    @staticmethod
    def source(source: str | None) -> str | None:
        return None if source is None else SOURCE_CN.get(source, source)
