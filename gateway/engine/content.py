"""The evaluation content (差评 reasons) and its versions.

The province owns the content and versions it ("未经允许不得添加或删除评价指标"): the
hall file's list is only the offline fallback until a version is downloaded. Every
version seen is remembered, so a rating is checked against the list its device
actually showed, even after the content has changed since.
"""
from __future__ import annotations

HALL = "hall"  # content_source while the hall file's fallback list is in force


def from_hall(hall) -> dict:
    ev = hall.evaluation
    return {"version": ev.reasons_version, "reasons": [{"code": r.code, "text": r.text} for r in ev.reasons]}


def install(eng, content: dict, source: str) -> None:
    eng.content = {"version": content["version"], "reasons": [dict(r) for r in content["reasons"]]}
    eng.content_source = source
    codes = [r["code"] for r in content["reasons"]]
    eng.content_codes[content["version"]] = codes
    eng.bad_reasons = set(codes)


def codes_for(eng, rv: str | None) -> list[str]:
    """The reason codes of the version a device says it showed, else the current ones."""
    codes = eng.content_codes.get(rv) if rv else None
    return eng.content_codes[eng.content["version"]] if codes is None else codes


def split_reasons(eng, reasons: list[str], rv: str | None) -> tuple[list[str], list[str]]:
    """(known, unknown) codes. A device holding an older list may send a code the
    content no longer has: the rating itself still counts, the unknown codes are kept
    aside, never guessed."""
    codes = codes_for(eng, rv)
    return [r for r in reasons if r in codes], [r for r in reasons if r not in codes]


def set_content(eng, cmd, at, events):
    version = cmd["version"]
    if version == eng.content["version"]:
        return f"content version {version} is already current", None
    previous = eng.content["version"]
    source = cmd.get("source") or "set_content"
    install(eng, {"version": version, "reasons": cmd["reasons"]}, source)
    ev = {"type": "content_changed", "at": at, "version": version,
          "reasons": [dict(r) for r in eng.content["reasons"]], "previous": previous, "source": source}
    events.append(ev)
    return None, {k: v for k, v in ev.items() if k not in ("type", "at")}


def snapshot(eng) -> dict:
    return {"content": {"version": eng.content["version"], "reasons": [dict(r) for r in eng.content["reasons"]]},
            "content_source": eng.content_source,
            "content_codes": {v: list(c) for v, c in eng.content_codes.items()}}


def restore(eng, snap: dict) -> None:
    for v, codes in snap.get("content_codes", {}).items():
        eng.content_codes[v] = list(codes)
    # While the fallback was in force, the hall file (as it is now) is the content: a
    # maintainer's edit of its reasons applies after a restart, as it would on replay.
    if snap.get("content") and snap.get("content_source", HALL) != HALL:
        install(eng, snap["content"], snap["content_source"])
    else:
        install(eng, from_hall(eng.hall), HALL)
