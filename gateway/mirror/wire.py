"""The mirror's messages between a hall and its parent, over MQTT QoS 1 (JSON, "v": 1).

  hall/<parent>/mirror/<child>/up     child -> parent: batch, status, downack
  hall/<parent>/mirror/<child>/down   parent -> child: ack, relay, audit

batch    {site, tag, epoch, after, upto, rows: [[seq, record, prev, hash], ...], audit?}
         a site's log as stored (record = the canonical JSON text the hash covers), for
         the child's own log and, from a township, for each of its children's logs.
ack      {site, upto, epoch, gap, refused?}  the parent holds every record of `site` up to `upto`.
relay    {epoch, after, upto, rows: [[seq, [event, ...]], ...]}  the parent's 帮办代办 answers for the child.
downack  {upto, epoch, gap}                  the child has applied the relay stream up to `upto`.
audit    {site, from, to}                    send these records again, to compare with our copy.
status   {site, at, ...}                     the child's state outside the log (devices, upstream, links).

The brokers and bridges are transport only: a batch counts as delivered when the ack says so.
Malformed input is refused with a reason (logged, dropped), never a crash.
"""
from __future__ import annotations

import json
import re

V = 1
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
HEX64 = re.compile(r"[0-9a-f]{64}")
UP_TYPES = ("batch", "status", "downack")
DOWN_TYPES = ("ack", "relay", "audit")


def up_topic(parent: str, child: str) -> str:
    return f"hall/{parent}/mirror/{child}/up"


def down_topic(parent: str, child: str) -> str:
    return f"hall/{parent}/mirror/{child}/down"


def child_of(topic: str) -> str | None:
    parts = topic.split("/")
    return parts[3] if len(parts) == 5 and parts[2] == "mirror" and ID.fullmatch(parts[3]) else None


def encode(kind: str, **fields) -> bytes:
    return json.dumps({"v": V, "type": kind, **fields}, ensure_ascii=False, separators=(",", ":")).encode()


class Bad(ValueError):
    pass


def _int(d: dict, key: str, lo: int = 0) -> int:
    v = d.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        raise Bad(f"{key} must be an integer >= {lo}")
    return v


def decode(payload: bytes, types: tuple[str, ...]) -> dict:
    try:
        msg = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as e:
        raise Bad(f"not JSON: {e}") from None
    if not isinstance(msg, dict) or msg.get("v") != V:
        raise Bad("not a version 1 mirror message")
    kind = msg.get("type")
    if kind not in types:
        raise Bad(f"unknown type {kind!r}")
    if kind in ("batch", "ack", "audit", "status") and not (isinstance(msg.get("site"), str)
                                                           and ID.fullmatch(msg["site"])):
        raise Bad("site must be a hall id")
    if kind == "batch":
        _batch(msg)
    elif kind in ("ack", "downack"):
        _int(msg, "upto")
        _int(msg, "epoch")
    elif kind == "relay":
        _relay(msg)
    elif kind == "audit":
        if _int(msg, "to", 1) < _int(msg, "from", 1):
            raise Bad("audit range runs backwards")
    return msg


def _batch(msg: dict) -> None:
    if not (isinstance(msg.get("tag"), str) and HEX64.fullmatch(msg["tag"])):
        raise Bad("tag must be the hash of the site's first record")
    after, upto = _int(msg, "after"), _int(msg, "upto")
    _int(msg, "epoch")
    rows = msg.get("rows")
    if not isinstance(rows, list):
        raise Bad("rows must be a list")
    expect = after + 1
    for r in rows:
        if not (isinstance(r, list) and len(r) == 4 and isinstance(r[0], int) and not isinstance(r[0], bool)
                and isinstance(r[1], str) and isinstance(r[2], str) and isinstance(r[3], str)
                and HEX64.fullmatch(r[2]) and HEX64.fullmatch(r[3])):
            raise Bad("a row must be [seq, record text, prev hash, hash]")
        if r[0] != expect:
            raise Bad(f"rows must run in order from {after + 1}: got {r[0]} for {expect}")
        expect += 1
    if rows and rows[-1][0] != upto:
        raise Bad("upto must be the last row's seq")


def _relay(msg: dict) -> None:
    after, upto = _int(msg, "after"), _int(msg, "upto")
    _int(msg, "epoch")
    if upto < after:
        raise Bad("upto before after")
    rows = msg.get("rows")
    if not isinstance(rows, list):
        raise Bad("rows must be a list")
    last = after
    for r in rows:
        if not (isinstance(r, list) and len(r) == 2 and isinstance(r[0], int) and not isinstance(r[0], bool)
                and isinstance(r[1], list) and all(isinstance(e, dict) for e in r[1])):
            raise Bad("a relay row must be [seq, [event, ...]]")
        if not last < r[0] <= upto:
            raise Bad("relay rows must run in order inside (after, upto]")
        last = r[0]
