"""The hall page, a gateway extension the hall simulator enables
(HALLGW_EXTRA_EXTENSIONS=hil.web): every window's LED display and call pad
screen as images, the evaluators, a kiosk to take a ticket, and the emulated
keys. Plain HTML and JS polling twice a second; images and key presses go
through /hall/bridge/ to the simulator's control bridge (hil/bridge.py)."""
from __future__ import annotations

import html
import json
import urllib.error
import urllib.request
from pathlib import Path

from fastapi import Body
from fastapi.responses import HTMLResponse, Response

from hil.bridge import BRIDGE_FILE
from hil.keys import key_names

ORDER = 70

STYLE = """body{font-family:sans-serif;background:#222;color:#eee;margin:1em}
.win{display:inline-block;vertical-align:top;border:1px solid #555;margin:.4em;padding:.5em;background:#2c2c2c}
.win h3{margin:.1em 0 .4em}img{display:block;margin:.3em 0;image-rendering:pixelated}
button{margin:1px;min-width:2.2em}.kiosk{padding:.6em;background:#333;margin-bottom:1em}
#msg{color:#fc6;margin-left:1em}"""

SCRIPT = """
async function press(dev, key, long) {
  const r = await fetch('/hall/bridge/press', {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({device: dev, key: key, long: long})});
  if (!r.ok) document.getElementById('msg').textContent = dev + ' ' + key + ': ' + (await r.json()).detail;
}
async function take(ev) {
  ev.preventDefault();
  const f = ev.target;
  const r = await fetch('/hall/ticket', {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({service: f.service.value, lane: f.lane.value})});
  const t = await r.json();
  document.getElementById('msg').textContent = r.ok ? ('ticket ' + t.number) : ('refused: ' + t.detail);
}
// Ask again only for pictures that have arrived: with 69 boards a fixed-rate
// refresh would cancel its own loads before they finish.
function refresh() {
  const n = Date.now();
  for (const img of document.querySelectorAll('img[data-dev]')) {
    if (img.dataset.busy === '1') continue;
    img.dataset.busy = '1';
    img.onload = img.onerror = () => { img.dataset.busy = '0'; };
    img.src = '/hall/bridge/img/' + img.dataset.dev + '.png?t=' + n;
  }
}
// /hall?still=1 loads the pictures once (for a screenshot or a printout).
if (!location.search.includes('still')) setInterval(refresh, 500);
"""


def page(hall) -> str:
    services = "".join(f'<option value="{s.code}">{html.escape(s.name)} ({s.prefix})</option>'
                       for s in hall.services)
    wins = []
    for w in hall.windows:
        parts = [f"<h3>{w.number} · {html.escape(w.display_text)}</h3>"]
        for d in hall.devices_of(w.number):
            parts.append(f'<div>{d.role} <small>{d.id}</small><img data-dev="{d.id}" alt="{d.id}"></div>')
            keys = key_names(d.role)
            if keys:
                btns = "".join(f"<button onclick='press({json.dumps(d.id)},{json.dumps(k)},false)'>{k}</button>"
                               for k in keys)
                if d.role == "callpad":
                    btns += (f"<button onclick='press({json.dumps(d.id)},\"finish\",true)'>finish (long)</button>"
                             f"<button onclick='press({json.dumps(d.id)},\"back\",true)'>logout (long back)</button>")
                parts.append(f"<div>{btns}</div>")
        wins.append(f'<div class="win">{"".join(parts)}</div>')
    staff = ", ".join(f"{html.escape(s.name)} {s.login_code}" for s in hall.staff)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(hall.name)}</title>
<style>{STYLE}</style></head><body><h2>{html.escape(hall.name)} — emulated hall</h2>
<form class="kiosk" onsubmit="take(event)">取号 kiosk: <select name="service">{services}</select>
<select name="lane"><option>normal</option><option>green</option><option>appointment</option></select>
<button>take a ticket</button><span id="msg"></span><br><small>staff login codes: {staff}</small></form>
{"".join(wins)}<script>{SCRIPT}refresh();</script></body></html>"""


def create(runtime, options: dict):
    app = options.get("app")
    if app is None:
        return None
    data_dir = Path(options.get("data_dir") or "data")
    hall = runtime.hall

    def bridge_url(path: str) -> str:
        port = json.loads((data_dir / BRIDGE_FILE).read_text())["port"]
        return f"http://127.0.0.1:{port}/{path}"

    @app.get("/hall", include_in_schema=False)
    def hall_page():
        return HTMLResponse(page(hall))

    # Plain def: FastAPI runs these in its thread pool, so a slow board never blocks the API.
    @app.get("/hall/bridge/img/{name}", include_in_schema=False)
    def image(name: str):
        return relay(urllib.request.Request(bridge_url(f"img/{name}")))

    # The page holds no secret: the extension takes the ticket with the kiosk's token.
    @app.post("/hall/ticket", include_in_schema=False)
    def ticket(body: dict = Body(...)):
        return relay(urllib.request.Request(
            f"http://127.0.0.1:{options['http_port']}/api/v1/tickets", json.dumps(body).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {options['kiosk_token']}"}))

    @app.post("/hall/bridge/press", include_in_schema=False)
    def press(body: dict = Body(...)):
        return relay(urllib.request.Request(bridge_url("press"), json.dumps(body).encode(),
                                            {"Content-Type": "application/json"}))

    return Page()


def relay(req: urllib.request.Request) -> Response:
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return Response(r.read(), r.status, media_type=r.headers.get("Content-Type"))
    except urllib.error.HTTPError as e:
        return Response(e.read(), e.code, media_type="application/json")
    except OSError as e:
        return Response(json.dumps({"detail": f"the hall simulator does not answer: {e}"}), 503,
                        media_type="application/json")


class Page:
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
