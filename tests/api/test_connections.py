"""The HTTP connection table (gateway/api/connections.py) as bookkeeping: its size from the
open-file limit, the idle connection closed first when it is full, 503 only when every
connection is busy, the streams in pools of their own; and every pushed stream the source
declares falls in a stream pool."""
import ast

from gateway.api.connections import (
    FD_SETSIZE,
    FLOOR,
    HEADROOM,
    IN_FLIGHT,
    ConnectionTable,
    Limits,
    plan,
    pool_of,
    split,
)
from tests.support import ROOT


class Conn:
    def __init__(self, name: str):
        self.name, self.busy, self.closed = name, False, False

    def is_idle(self) -> bool:
        return not self.busy

    def evict(self) -> None:
        self.closed = True

    def __repr__(self) -> str:
        return self.name


def test_the_table_is_sized_from_the_open_file_limit_and_stays_under_select():
    at_1024 = plan(1024, open_at_start=30)
    # What is open, the headroom, and the accepted connections the table has not counted yet.
    assert at_1024.total == 1024 - 30 - HEADROOM - IN_FLIGHT and not at_1024.starved
    assert at_1024.pages == at_1024.phones == at_1024.total // 4
    assert at_1024.requests == at_1024.total - 2 * at_1024.pages
    # A raised limit is room for the rest of the process, not for more HTTP: paho's select().
    assert plan(4096, open_at_start=30) == Limits(**{**at_1024.__dict__, "nofile": 4096})
    assert plan(65536, 30).total + 30 + HEADROOM + IN_FLIGHT <= FD_SETSIZE
    # An embedded broker's devices are this process's sockets too; --connections asks for fewer.
    assert plan(4096, 30, devices=69).total == at_1024.total - 69
    assert plan(4096, 30, most=100).total == 100
    assert plan(4096, 30, most=5000).total == at_1024.total
    starved = plan(360, 30)
    assert starved.starved and starved.total >= FLOOR  # said at start, and run on the floor


def test_an_idle_connection_is_closed_for_a_new_one_the_longest_idle_first():
    t = ConnectionTable(split(32))  # requests: 16
    conns = [Conn(f"c{i}") for i in range(16)]
    for c in conns:
        assert t.admit(c)
    conns[0].busy = True  # a request in progress: never closed to make room
    t.idle(conns[1])      # answered just now: idle, but the newest idle
    late = Conn("late")
    assert t.admit(late)
    assert [c for c in conns if c.closed] == [conns[2]] and t.evicted == 1
    assert t.admit(Conn("later"))
    assert [c for c in conns if c.closed] == [conns[2], conns[3]]
    assert len(t.open) == 16


def test_when_every_connection_is_busy_the_new_one_is_refused():
    t = ConnectionTable(split(32))
    conns = [Conn(f"c{i}") for i in range(16)]
    for c in conns:
        t.admit(c)
        c.busy = True
    assert not t.admit(Conn("one too many"))
    assert t.refused == 1 and not any(c.closed for c in conns)
    conns[5].busy = False  # its answer went out
    t.idle(conns[5])
    assert t.admit(Conn("now there is room"))
    assert conns[5].closed and t.refused == 1


def test_streams_have_pools_of_their_own():
    t = ConnectionTable(split(32))  # requests 16, pages 8, phones 8
    screens = [Conn(f"screen{i}") for i in range(8)]
    for s in screens:
        assert t.admit(s)
        s.busy = True
        assert t.enter(s, "pages")
    assert t.in_requests() == 0  # a stream gives its request slot back
    extra = Conn("ninth screen")
    assert t.admit(extra)
    extra.busy = True
    assert not t.enter(extra, "pages") and t.refused_streams == {"pages": 1, "phones": 0}
    assert t.enter(extra, "phones") is True  # the other pool is not touched by this one being full
    # A flood of idle sockets: every request slot taken and given again, no stream closed.
    for i in range(100):
        assert t.admit(Conn(f"idle{i}"))
    assert not any(s.closed for s in screens) and t.evicted == 100 - 16
    t.leave(screens[0], "pages")
    t.gone(screens[0])
    assert t.enter(Conn("screen again"), "pages")


def test_figures_say_what_the_table_holds():
    t = ConnectionTable(split(32))
    a, b = Conn("a"), Conn("b")
    t.admit(a)
    t.admit(b)
    b.busy = True
    t.enter(b, "phones")
    t.expired()
    f = t.figures()
    assert f["open"] == 2 and f["in_use"] == {"requests": 1, "pages": 0, "phones": 1}
    assert f["limits"] == {"requests": 16, "pages": 8, "phones": 8}
    assert (f["admitted"], f["evicted"], f["refused"], f["timed_out"]) == (2, 0, 0, 1)


def sse_routes() -> set[str]:
    """Every path whose route declares text/event-stream (answers(..., content=SSE))."""
    found = set()
    for path in (ROOT / "gateway").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("get", "post") and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            declared = [kw.value for kw in node.keywords if kw.arg == "responses"]
            if any(isinstance(k, ast.keyword) and k.arg == "content" and isinstance(k.value, ast.Name)
                   and k.value.id == "SSE" for d in declared for k in ast.walk(d)):
                found.add(node.args[0].value)
    return found


def test_every_pushed_stream_falls_in_a_stream_pool():
    streams = sse_routes()
    assert {"/api/v1/stream/screen", "/api/v1/stream/dashboard", "/clerk/api/events",
            "/api/v1/stream/ticket/{tid}"} <= streams, streams
    assert {p: pool_of(p) for p in streams if pool_of(p) == "requests"} == {}
    assert pool_of("/api/v1/stream/ticket/{tid}") == "phones"
    assert pool_of("/api/v1/stream/screen") == pool_of("/clerk/api/events") == "pages"
    assert pool_of("/api/v1/kiosk/tickets") == pool_of("/api/v1/streamline") == "requests"
