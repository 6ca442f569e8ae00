"""Where a role's heap goes as its firmware boots, step by step, with TLS, under -X heapsize=96K.

The firmware is booted as main.py boots it, on an emulated board, and gc.mem_alloc() taken after
each step (collected), of it the qstr pool (names and short strings a module interns
for good), and the module's .mpy on flash:

  - each module, after the modules it imports: its bytecode, objects and qstrs;
    the emulated machine/network/time (hil/board/mp), which an ESP32 has in ROM,
    are marked "emulated"; asyncio is frozen, so only its objects count
  - config.json read and checked, then config's module dropped (its qstrs stay)
  - the TLS context (the hall CA parsed by mbedTLS)
  - Device(), the role's object, then 1.5 s of the running tasks (no broker)

then the free heap and its largest free block. The day's peak (`hall-bench tls`) adds the
desired state, the link and what a day leaves.

    hall-bench heap-boot [role ...]
"""
from __future__ import annotations

import ast
import re
import subprocess
import tempfile
from pathlib import Path

from bench.report import last_line
from gateway.broker import certs
from gateway.provision import firmware_dir
from hil.board.board import HEAPSIZE, MP_DIR, Board, micropython_binary
from hil.board.day import config
from hil.services.mosquitto import free_port
from hil.services.tls_mosquitto import NAME

FIRMWARE = firmware_dir()
ROLES = ("callpad", "evaluator", "display")
# the frozen asyncio loads its parts as they are first used: all at once here
ASYNCIO = "import asyncio\nasyncio.Event, asyncio.ThreadSafeFlag, asyncio.open_connection, asyncio.wait_for_ms"

PROBE = """import gc, sys, micropython
def mark(what):
    gc.collect()
    print("@mark", what, gc.mem_alloc())
    micropython.qstr_info()
mark("interpreter")
{asyncio}
mark("asyncio (frozen)")
import config
mark("config")
cfg = config.load()
mark("config.json checked")
del sys.modules["config"], config
mark("config dropped")
{first}
tls = sys.modules["mqtt"].tls_context(cfg["tls_ca"])
mark("TLS context")
{rest}
dev = sys.modules["device"].Device(cfg, tls)
mark("Device()")
app = {role_class}(dev)
mark("{role_class}()")
async def run():
    asyncio.create_task(dev.run(app))
    await asyncio.sleep_ms(1500)
    mark("tasks running 1.5 s")
    print("@modules", " ".join(sorted(sys.modules)))
    micropython.mem_info()
    sys.exit(0)
asyncio.run(run())
"""
ROLE_CLASS = {"callpad": "callpad.CallPad", "evaluator": "evaluator.Evaluator", "display": "display.Display"}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def load_order(role: str) -> list[str]:
    """Firmware and emulated modules in the order main.py's imports load them, each after
    what it imports (the role's wire rules, which Device imports by name, before Device)."""
    order: list[str] = []

    def visit(name: str) -> None:
        src = next((d / f"{name}.py" for d in (FIRMWARE, MP_DIR) if (d / f"{name}.py").exists()), None)
        if name in order or src is None:
            return
        for dep in _imports(src):
            visit(dep)
        order.append(name)

    for root in ("mqtt", "machine", "keymap", "wire_" + role, "device", role):   # as main.py, then Device()
        visit(root)
    return order


def probe(role: str, work: Path) -> str:
    ca = certs.ensure(work / "ca", "breakdown", [NAME, "127.0.0.1"]).ca_der.read_bytes()
    cfg = dict(config(free_port(), "breakdown-" + role, role), tls_ca="ca.der", tls_name=NAME)
    b = Board(role, cfg, work / role, files={"ca.der": ca})
    b.layout()
    b.stop()   # only its flash is wanted: the probe runs the interpreter itself
    def imports(names):
        return "\n".join(f'import {m}\nmark("{m}{" (emulated)" if (MP_DIR / f"{m}.py").exists() else ""}")'
                         for m in names)

    order = load_order(role)
    first = order[:order.index("mqtt") + 1]   # main.py makes the TLS context right after config
    script = PROBE.format(asyncio=ASYNCIO, first=imports(first), rest=imports(order[len(first):]),
                          role_class=ROLE_CLASS[role])
    (b.flash / "breakdown.py").write_text(script)
    r = subprocess.run([micropython_binary(), "-X", f"heapsize={HEAPSIZE}", "breakdown.py"], cwd=b.flash,
                       env={"MICROPYPATH": f"{b.hw}:.frozen", "PATH": "/usr/bin:/bin"},
                       capture_output=True, text=True, timeout=60)
    return r.stdout


def table(role: str, out: str, flash: Path) -> list[str]:
    rows, prev = [], None
    lines = out.splitlines()
    for i, ln in enumerate(lines):
        if not ln.startswith("@mark "):
            continue
        what, alloc = ln[6:].rsplit(" ", 1)
        q = re.search(r"n_qstr=(\d+), n_str_data_bytes=\d+, n_total_bytes=(\d+)", lines[i + 1])
        nq, qbytes = int(q.group(1)), int(q.group(2))
        if prev is None:
            rows.append(f"  {what:28s} {int(alloc):6d}")
        else:
            mpy = flash / f"{what}.mpy"
            size = f"   .mpy {mpy.stat().st_size:5d}" if mpy.exists() else ""
            rows.append(f"  {what:28s} {int(alloc) - prev[0]:+6d}   of it qstrs {qbytes - prev[1]:+5d} "
                        f"({nq - prev[2]:+3d}){size}")
        prev = (int(alloc), qbytes, nq)
    gc = re.search(r"GC: total: (\d+), used: (\d+), free: (\d+)", out)
    big = re.search(r"max free sz: (\d+)", out)
    if gc and big and prev:
        rows.append(f"  {'total':28s} {prev[0]:6d}   qstr pools {prev[1]} ({prev[2]} qstrs); free {gc.group(3)}, "
                    f"largest free block {int(big.group(1)) * 16}")
    return rows


def arguments(p) -> None:
    p.add_argument("roles", nargs="*", choices=[*ROLES, []], metavar="ROLE", help="callpad, evaluator, display (all)")


def run(args) -> int:
    figures = {}
    with tempfile.TemporaryDirectory(prefix="heap-breakdown-") as tmp:
        for role in args.roles or ROLES:
            out = probe(role, Path(tmp))
            print(f"{role}: heap after each step, micropython -X heapsize={HEAPSIZE}, TLS on (bytes, collected)")
            print("\n".join(table(role, out, Path(tmp) / role / "flash")))
            gc = re.search(r"GC: total: (\d+), used: (\d+), free: (\d+)", out)
            if gc:
                figures[f"{role}_used_after_boot"], figures[f"{role}_free_after_boot"] = int(gc[2]), int(gc[3])
    last_line(**figures)
    return 0
