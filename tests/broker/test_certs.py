"""The hall's certificates as a running gateway keeps them: a start that changes nothing
reads tls/server.json and leaves `cryptography` unloaded (a village's Pi Zero is short of
memory); anything else (a name added, a file replaced, the end near) issues again, in a
child process when the gateway asks."""
import datetime as dt
import json
import subprocess
import sys

from gateway.broker import certs
from tests.support import ROOT

HOSTS = ["hall-gw", "127.0.0.1"]


def test_a_start_that_changes_nothing_does_not_load_cryptography(tmp_path):
    first = certs.ensure_apart(tmp_path / "tls", "v1", HOSTS)
    assert first.issued and first.cert.exists() and first.ca_der.exists()
    note = json.loads((tmp_path / "tls" / "server.json").read_text())
    assert note["hosts"] == sorted(HOSTS)
    code = ("import sys; from gateway.broker import certs; "
            f"f = certs.ensure_apart({str(tmp_path / 'tls')!r}, 'v1', {HOSTS!r}); "
            "print(f.issued, 'cryptography' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_what_the_note_does_not_cover_issues_again_from_the_same_ca(tmp_path):
    folder = tmp_path / "tls"
    certs.ensure(folder, "v1", HOSTS)
    ca, cert = (folder / "ca.pem").read_bytes(), (folder / "server.pem").read_bytes()
    assert not certs.ensure(folder, "v1", list(reversed(HOSTS))).issued  # the same names
    # Another name: issued by the same CA, in a child process for the gateway.
    made = certs.ensure_apart(folder, "v1", HOSTS + ["hall-gw.local"])
    assert made.issued and (folder / "ca.pem").read_bytes() == ca and (folder / "server.pem").read_bytes() != cert
    # A certificate put back by hand: the note no longer matches, the files themselves are read.
    (folder / "server.pem").write_bytes(cert)
    assert certs.ensure(folder, "v1", HOSTS).issued is False  # that one names these hosts and is current
    # Near its end: issued again.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=certs.SERVER_DAYS - certs.RENEW_DAYS + 1)
    again = certs.ensure(folder, "v1", HOSTS, now=later)
    assert again.issued and (folder / "ca.pem").read_bytes() == ca
    # A note that does not read is no note.
    (folder / "server.json").write_text("{")
    assert not certs.ensure(folder, "v1", HOSTS, now=later).issued


def test_a_child_that_cannot_issue_says_why(tmp_path):
    try:
        certs.ensure_apart(tmp_path / "tls", "v1", [])
    except ValueError as e:
        assert "at least one address" in str(e)
    else:
        raise AssertionError("no hosts must be refused")
