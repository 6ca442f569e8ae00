"""Command type -> handler(engine, cmd, at, events) -> (refusal | None, result)."""
from gateway.engine import (
    appointments,
    clerk,
    clock,
    content,
    evaluation,
    floods,
    followup,
    guard,
    level_map,
    parts,
    relay,
    rules,
    supplementary,
    tickets,
)

HANDLERS = {
    "issue_ticket": tickets.issue_ticket,
    "cancel_ticket": tickets.cancel_ticket,
    "void_ticket": tickets.void_ticket,
    "slip_printed": tickets.slip_printed,
    "book_appointment": appointments.book,
    "cancel_appointment": appointments.cancel,
    "login": clerk.login,
    "logout": clerk.logout,
    "call_next": clerk.call_next,
    "call_ticket": clerk.call_ticket,
    "recall": clerk.recall,
    "start": clerk.start,
    "finish": clerk.finish,
    "no_show": clerk.no_show,
    "transfer": clerk.transfer,
    "pause": clerk.pause,
    "resume": clerk.resume,
    "request_evaluation": evaluation.request_evaluation,
    "rate": evaluation.rate,
    "cancel_evaluation": evaluation.cancel_evaluation,
    "attach_case": clerk.attach_case,
    "rate_supplementary": supplementary.rate_supplementary,
    "set_content": content.set_content,
    "followup": followup.followup,
    "relay_case": relay.relay_case,
    "relay_escalate": relay.relay_escalate,
    "relay_receive": relay.relay_receive,
    "relay_handle": relay.relay_handle,
    "relay_result": relay.relay_result,
    "tick": rules.tick,
    "part_fault": parts.part_fault,
    "device_flood": floods.device_flood,
    "confirm_level_map": level_map.confirm_level_map,
    "clock": clock.result,
}

# Command type -> first step(engine, cmd, at, events) -> refusal | None, run before the handler;
# what it changes stands even when the command is refused (a wrong login code is counted).
FIRST = {"login": guard.attempt}

# Command type -> step(engine, cmd, at, events) run before time passes to the command's `at`:
# a clock's step moves the times already in the state onto the corrected clock first.
BEFORE = {"clock": clock.apply}
