"""A supervisor's confirmation of the 好差评 level map (our five levels -> the province's codes).

The upstream shell checks the map against the province's content; where the content cannot
tell which way round the map runs (a province listing praise tags for every level), it
delivers and warns until a supervisor, having checked with the province, confirms the map.
The confirmation is a command, so who confirmed which map, and when, is in the audited log.

  confirm_level_map {map, platform, by, role?}  -> level_map_confirmed {map, platform, by, role}

`map` is the hall file's level map as "1=1,2=2,…" (our level = the province's code), `platform`
the adapter and address it was checked against: a confirmation holds for that pair only.
The latest confirmation stands; confirming again records who did it this time.
"""
from __future__ import annotations


def confirm_level_map(eng, cmd, at, events):
    entry = {"map": cmd["map"], "platform": cmd["platform"], "by": cmd["by"], "role": cmd.get("role"), "at": at}
    eng.level_map_confirmed = entry
    events.append({"type": "level_map_confirmed", "at": at, **{k: v for k, v in entry.items() if k != "at"}})
    return None, dict(entry)


def snapshot(eng) -> dict:
    c = eng.level_map_confirmed
    return {"level_map_confirmed": dict(c) if c else None}


def restore(eng, snap: dict) -> None:
    c = snap.get("level_map_confirmed")  # absent in a snapshot from before confirmations
    eng.level_map_confirmed = dict(c) if c else None
