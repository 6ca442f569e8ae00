"""What each figure of a report means: sent with every report, so a 月通报 read months
later still says how it was counted."""

TEXT = {
    "satisfaction_rate": "(非常满意+满意+基本满意)/评价数: ratings at levels 3-5 over all ratings",
    "participation_rate": "评价数/办结数: ratings of the services finished in the slice over those services",
    "bad": "差评: levels 1 (非常不满意) and 2 (不满意); each opens a follow-up (整改)",
    "rating_day": "a rating counts for the service day of the service it judges, at the window "
                  "(evaluator) or later by the ticket's code (补充评价, supplementary)",
    "issued": "tickets taken on the day; for a window or a staff member: tickets called there",
    "called": "calls of a ticket to a window (a transferred ticket is called again); recalls do not count",
    "served": "services finished (办结), by the day of the call",
    "no_show": "called tickets whose citizen did not come",
    "transferred": "tickets handed on from a window, to another service, window or staff member",
    "cancelled": "waiting tickets cancelled, by the day they were cancelled",
    "voided": "tickets taken back by the kiosk because the printer failed (never called)",
    "wait_s": "seconds from issue (or from the transfer) to the call",
    "walkup_s": "seconds from the call to the start of the service",
    "service_s": "seconds from the start to the finish of a service finished there",
    "handover_s": "seconds spent on a ticket before transferring it while serving",
    "idle_s": "seconds a window was logged in with nothing to do inside opening hours, by window and staff "
              "member (0 under a service filter: idle time belongs to no service)",
    "dist": "n, p50 and p90 (nearest rank), max and avg (mean), in seconds; null when n = 0",
    "cases": "即办件 immediate, 承诺件 promised, 联办件 joint, 上报件 reported, 退办件 refused",
    "working": "a working day: Monday to Friday, less the hall file's holidays, plus its 调休 workdays",
    "followups": "差评 follow-ups opened in the period, by their status now; overdue: still open and "
                 "past their contact or rectify deadline",
    "alerts": "alerts raised in the period; duration up to the end, or up to generated_at if still active",
    "attendance": "from logins and logouts: days present (logged in at some time the hall was open), logins "
                  "(post A, B or none = cover), time logged in, pauses by reason; a session still open runs to "
                  "generated_at",
}
