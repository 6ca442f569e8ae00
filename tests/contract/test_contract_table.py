"""Every operation the gateway serves declares its answers in gateway/api/contract.py:
each route in the source (any extension's, also those only a county or a township
serves) is in the table, and the table names nothing that is not served."""
import re

from gateway.api.contract import TABLE, apply
from support import ROOT

ROUTE = re.compile(r'@\w+\.(get|post|put|delete|patch)\(\s*"([^"]+)"(.*)')


def served() -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / "gateway").rglob("*.py"):
        for m in ROUTE.finditer(path.read_text(encoding="utf-8")):
            if "include_in_schema=False" not in m.group(3):
                found.add((m.group(1).upper(), m.group(2)))
    return found


def test_every_route_is_in_the_table_and_nothing_else():
    assert served() == set(TABLE)


def test_an_unknown_operation_is_reported(tmp_path):
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/api/v1/new")
    def new():
        return {}
    assert apply(app) == [("GET", "/api/v1/new")]
