"""The hall's own value sets as request types, made from the hall file when the app is created:
a service code, a matter code (事项编码), a window number, a staff id, a supervisor, a pause
reason, a green channel category is an enum in the served OpenAPI document and is checked by
the request model itself. So a value the document offers is never refused as unknown, and one
it does not offer is a 422 from the model, with the reason ("unknown service; this hall has
ZH, SB, …": the field, never the value sent).

Rules across fields (a matter of the chosen service, a field that goes with one lane) are
written once here, as a rule that gives both its JSON Schema (the model's allOf) and its check
(run by the model after its fields), so the document and the refusal cannot drift apart."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema, model_validator

NULL = {"type": "null"}
GIVEN = {"not": NULL}


def one_of(values, what: str, as_text: bool = False) -> Any:
    """A type taking one of `values` (texts, or numbers): an enum in the schema; another value is
    refused as unknown, naming the hall's. A number in a body is JSON's number (never "3" or
    true); `as_text`: in a path or a query, its digits exactly ("3", not "03" or "3.0"). An empty
    set takes nothing."""
    values = tuple(dict.fromkeys(values))  # a matter code two services share is listed once
    numbers = bool(values) and all(isinstance(v, int) for v in values)
    by_text = {str(v): v for v in values} if numbers and as_text else {}
    allowed = frozenset(values)

    def check(v):
        if numbers and isinstance(v, str):
            v = by_text.get(v, v)
        elif numbers and isinstance(v, float) and v.is_integer():
            v = int(v)  # 3.0 is JSON's 3
        if isinstance(v, bool) or not isinstance(v, int if numbers else str) or v not in allowed:
            has = ", ".join(map(str, values)) if values else "none"
            raise ValueError(f"unknown {what}; this hall has {has}")  # never the value sent back
        return v
    schema = {"type": "integer" if numbers else "string", "enum": list(values)} if values else {"not": {}}
    return Annotated[int if numbers else str, PlainValidator(check), WithJsonSchema(schema)]


@dataclass(frozen=True)
class HallValues:
    service: Any
    matter: Any  # any matter of any service (which service's: MatterOfService)
    window: Any  # a window's number in a body
    window_in_path: Any  # … in a path or a query (its digits)
    staff: Any
    supervisor: Any  # staff marked supervisor = true: the four eyes on 差评 follow-ups
    pause_reason: Any
    green_category: Any
    matters_of: dict[str, tuple[str, ...]]
    first: dict[str, Any]  # a value of each set, for the document's examples (None: the set is empty)


NAMES = {"service": "service", "matter": "matter (事项)", "window": "window", "staff": "staff member",
         "supervisor": "supervisor (a staff id with supervisor = true)", "pause_reason": "pause reason",
         "green_category": "green channel category"}


def of(hall) -> HallValues:
    """The value sets of this hall file."""
    matters_of = {s.code: tuple(m.code for m in s.matters) for s in hall.services}
    sets = {"service": [s.code for s in hall.services], "matter": [m for ms in matters_of.values() for m in ms],
            "window": [w.number for w in hall.windows], "staff": [s.id for s in hall.staff],
            "supervisor": [s.id for s in hall.staff if s.supervisor],
            "pause_reason": list(hall.queue.pause_reasons), "green_category": list(hall.kiosk.green_categories)}
    types = {k: one_of(v, NAMES[k]) for k, v in sets.items()}
    types["window_in_path"] = one_of(sets["window"], NAMES["window"], as_text=True)
    return HallValues(**types, matters_of=matters_of, first={k: v[0] if v else None for k, v in sets.items()})


# -- rules across fields ------------------------------------------------------------------------
def _lane_is(lane: str) -> dict:
    return {"properties": {"lane": {"const": lane}}, "required": ["lane"]}


@dataclass(frozen=True)
class WithLane:
    """`field` is given exactly when the lane is `lane` (category: green; appointment_code: appointment)."""
    field: str
    lane: str
    why: str

    def schema(self) -> dict:
        return {"if": _lane_is(self.lane), "then": {"properties": {self.field: GIVEN}, "required": [self.field]},
                "else": {"properties": {self.field: NULL}}}

    def problem(self, body) -> str | None:
        return None if (body.lane == self.lane) == (getattr(body, self.field) is not None) else self.why


@dataclass(frozen=True)
class ServiceUnlessLane:
    """service is required, except in `lane` (预约签到: the appointment names it)."""
    lane: str

    def schema(self) -> dict:
        return {"if": _lane_is(self.lane), "else": {"properties": {"service": GIVEN}, "required": ["service"]}}

    def problem(self, body) -> str | None:
        if body.lane != self.lane and body.service is None:
            return f"service is required; lane {self.lane} (预约签到) needs only its appointment_code"
        return None


@dataclass(frozen=True)
class MatterOfService:
    """matter is one of the chosen service's matters, and none without a service; `needed`: a
    service with matters needs one (the kiosk, where the citizen picks department, service, matter)."""
    matters_of: dict[str, tuple[str, ...]]
    needed: bool = False

    def schema(self) -> dict:
        branches = [{"properties": {"service": NULL, "matter": NULL}}]
        for service, matters in self.matters_of.items():
            must = self.needed and bool(matters)
            branches.append({"properties": {"service": {"const": service},
                                            "matter": {"enum": [*matters] if must else [*matters, None]}},
                             "required": ["service", "matter"] if must else ["service"]})
        return {"oneOf": branches}

    def problem(self, body) -> str | None:
        service, matter = body.service, body.matter
        if service is None:
            return None if matter is None else "a matter (事项) goes with its service"
        matters = self.matters_of[service]
        if matter is None:
            if self.needed and matters:
                return f"service {service} needs its matter (事项): one of {', '.join(matters)}"
            return None
        if matter not in matters:
            return f"matter is not a matter of service {service} (its matters: {', '.join(matters) or 'none'})"
        return None


@dataclass(frozen=True)
class ExactlyOne:
    """Exactly one of `fields` is given (a transfer's target; a retry's record or all)."""
    fields: tuple[str, ...]
    why: str
    given: dict | None = None  # what "given" is for a field, when not "not null" (all: true)

    def schema(self) -> dict:
        return {"oneOf": [{"properties": {f: (self.given or {}).get(f, GIVEN)}, "required": [f]}
                          for f in self.fields]}

    def problem(self, body) -> str | None:
        given = sum(self._given(body, f) for f in self.fields)
        return None if given == 1 else self.why

    def _given(self, body, field: str) -> bool:
        v = getattr(body, field)
        want = (self.given or {}).get(field)
        return v == want["const"] if want and "const" in want else v is not None


def _state_rules(schema: dict, cls) -> None:
    if cls.rules:
        schema["allOf"] = [rule.schema() for rule in cls.rules]
    if cls.example is not None:
        schema["examples"] = [cls.example]


class Ruled(BaseModel):
    """A request body with rules across its fields (a tuple of WithLane, MatterOfService …): each
    checked after the fields (a 422 with its reason) and stated in the schema (allOf)."""
    model_config = ConfigDict(extra="forbid", json_schema_extra=_state_rules)
    rules: ClassVar[tuple] = ()
    example: ClassVar[dict | None] = None

    @model_validator(mode="after")
    def _follows_rules(self):
        for rule in self.rules:
            why = rule.problem(self)
            if why:
                raise ValueError(why)
        return self
