"""Command type -> handler(engine, cmd, at, events) -> (refusal | None, result)."""
from gateway.engine import clerk, content, evaluation, followup, rules, supplementary, tickets

HANDLERS = {
    "issue_ticket": tickets.issue_ticket,
    "cancel_ticket": tickets.cancel_ticket,
    "void_ticket": tickets.void_ticket,
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
    "tick": rules.tick,
}
