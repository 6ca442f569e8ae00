"""The served OpenAPI documents: a real gateway (`hallgw run` on the county example) with its
extensions or without (`--no-extensions`), and what the contract's tests read in a document."""
import json
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support import ROOT
from tests.support.mosquitto import free_port

HALL = "hall_config/county.toml"
START_S = 180  # a guard, not a measure: the machine may be busy with other suites


@dataclass(frozen=True)
class Served:
    url: str
    data: Path
    doc: dict
    extensions: bool


@contextmanager
def hallgw(data: Path, extensions: bool):
    """`hallgw run` in data, until the block ends; its document as served."""
    port = free_port()
    log = open(data / "gateway.log", "wb")
    p = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", HALL, "--data-dir", str(data),
                          "--http-port", str(port), "--broker-port", str(free_port())]
                         + ([] if extensions else ["--no-extensions"]),
                         cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + START_S
        while True:
            try:
                doc = json.loads(urllib.request.urlopen(url + "/openapi.json", timeout=2).read())
                break
            except OSError:
                assert p.poll() is None and time.monotonic() < end, (data / "gateway.log").read_text()
                time.sleep(0.3)
        yield Served(url, data, doc, extensions)
    finally:
        p.terminate()
        p.wait(20)
        log.close()


def operations(doc: dict) -> dict[tuple[str, str], dict]:
    """(METHOD, path) -> the operation, for every operation of the document."""
    return {(m.upper(), path): op for path, ops in doc["paths"].items() for m, op in ops.items()}


def _refs(x, out: set) -> set:
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "$ref":
                out.add(v.rsplit("/", 1)[-1])
            else:
                _refs(v, out)
    elif isinstance(x, list):
        for v in x:
            _refs(v, out)
    return out


def components(doc: dict, op: dict) -> dict[str, dict]:
    """The schemas an operation names, and those they name, by name."""
    seen: dict[str, dict] = {}
    todo = list(_refs(op, set()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen[name] = doc["components"]["schemas"][name]
            todo += _refs(seen[name], set())
    return seen
