"""The served OpenAPI document is exact: `schemathesis run` against a running gateway
(`hallgw run` on the county example, with its extensions and with --no-extensions), with each
role's credential (clerk, supervisor, kiosk, hall screen), schemathesis's default checks
(positive and negative data acceptance among them), a bounded number of examples per
operation, finds nothing: every status code, content type and body an operation answers is the
one it declares, a request the schema allows is accepted (but for what the hall's state at run
time decides: schemathesis.toml) and one it refuses is refused. The pushed streams
(Server-Sent Events, which never end) are left out of the run; their answers are declared
all the same.

And the document is the same with or without the extensions: each operation both serve
means the same, to the last schema it names."""
import os
import re
import subprocess

import pytest

from tests.contract.documents import components, operations
from tests.support import ROOT, tool

EXAMPLES = int(os.environ.get("HALL_SCHEMATHESIS_EXAMPLES", "8"))
STREAMS = r"/stream/|/clerk/api/events"
CONFIG = ROOT / "tests" / "contract" / "schemathesis.toml"  # what the hall's state may refuse
# The screen's token opens only the screen's routes, an extension's: nothing to run without them.
ROLES = {"full": ("api", "supervisor", "kiosk", "screen"), "core": ("api", "supervisor", "kiosk")}
pytestmark = pytest.mark.timeout(900)  # a run (and the gateway's start) on a machine busy with other suites


def schemathesis(served, role: str) -> subprocess.CompletedProcess:
    token = (served.data / f"{role}_token").read_text().strip()
    streams = ["--exclude-path-regex", STREAMS] if served.extensions else []  # none without them
    return subprocess.run([tool("schemathesis"), "--config-file", str(CONFIG), "run", f"{served.url}/openapi.json",
                           "--max-examples", str(EXAMPLES), "--seed", "17", "--no-color",
                           "-H", f"Authorization: Bearer {token}", *streams, "--rate-limit", "6000/m"],
                          cwd=served.data, capture_output=True, text=True, timeout=600)


def finds_nothing(r: subprocess.CompletedProcess) -> None:
    summary = re.findall(r"=+ (.*) in [\d.]+s =+", r.stdout)
    assert r.returncode == 0, r.stdout[-6000:]
    assert summary and "failure" not in summary[-1] and "error" not in summary[-1], summary
    tested = re.search(r"Tested: (\d+)", r.stdout)
    assert tested and int(tested.group(1)) > 0, r.stdout[-3000:]


@pytest.mark.parametrize("role", ROLES["full"])
def test_schemathesis_finds_nothing_with_the_extensions(full, role):
    finds_nothing(schemathesis(full, role))


@pytest.mark.parametrize("role", ROLES["core"])
def test_schemathesis_finds_nothing_without_them(core, role):
    finds_nothing(schemathesis(core, role))


def test_the_document_is_the_same_with_or_without_the_extensions(full, core):
    with_them, without = operations(full.doc), operations(core.doc)
    assert ("POST", "/api/v1/kiosk/tickets") in with_them and ("POST", "/api/v1/kiosk/tickets") not in without
    assert set(without) < set(with_them)  # an extension adds routes; none of the core's goes
    for key, op in without.items():
        assert with_them[key] == op, key
        assert components(full.doc, with_them[key]) == components(core.doc, op), key
    assert full.doc["info"] == core.doc["info"]
