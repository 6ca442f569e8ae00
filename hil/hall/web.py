"""The hall simulator's pages, a gateway extension that `hall-hil run` alone enables
(HALLGW_EXTRA_EXTENSIONS=hil.hall.web), never a production gateway:

    GET /                  the landing page (hil/hall/landing.py): every page of the hall, its key applied
    GET /hall/open/{page}  sets that page's credential and sends the browser on (screen, kiosk,
                           clerk, dashboard): the landing page itself holds no secret
    GET /hall              the devices page (hil/hall/devices_page.py): a grid of windows, each with its
                           call pad, evaluator and LED display and their keys in Chinese
    GET /hall/events       the boards' faces and the printer's slips, pushed (relayed from the bridge)
    POST /hall/ticket      a quick ticket, with the kiosk's token (the page holds none)
    GET /hall/bridge/img/{device}.png, POST /hall/bridge/press {device, key, long}

Images, presses and the stream go through the simulator's control bridge (hil/hall/bridge.py). The
landing page takes "/" in place of the gateway's own start page (gateway/extensions/home.py): it
PROVIDES FRONT_PAGE, which home WANTS, so home starts after it and yields /."""
from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from fastapi import Body, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse

from gateway.extensions.context import Context
from gateway.extensions.ports import FRONT_PAGE
from hil.hall.bridge import BRIDGE_FILE

PROVIDES = {FRONT_PAGE: lambda page: page.name}
STATIC = Path(__file__).resolve().parent / "static"
FILES = {"hall.css": "text/css", "devices.js": "text/javascript"}
# Each role's token: what it is called in the hall, its environment variable, its file.
TOKENS = (("窗口接口令牌", "HALL_API_TOKEN", "api_token"), ("监管口令", "HALL_SUPERVISOR_TOKEN", "supervisor_token"),
          ("取号机口令", "HALL_KIOSK_TOKEN", "kiosk_token"), ("显示屏口令", "HALL_SCREEN_TOKEN", "screen_token"))


def shown_path(path: str | Path) -> str:
    """A path as a person at this machine types it: relative to here when it is under here."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def command(name: str) -> str:
    """How to type one of this checkout's commands here: its bare name when the shell finds this
    one, else its path (`make run` does not put .venv/bin on the PATH)."""
    mine = Path(sys.executable).parent / name
    found = shutil.which(name)
    return name if found and Path(found).resolve() == mine.resolve() else shown_path(mine)


def token_files(data_dir: str | Path) -> list[tuple[str, str]]:
    """(token, where it is) as `hallgw run` finds them (gateway/secretfile.py): never the token."""
    out = []
    for name, env, file in TOKENS:
        creds = os.environ.get("CREDENTIALS_DIRECTORY")
        if os.environ.get(env):
            out.append((name, f"环境变量 {env}"))
        elif creds and (Path(creds) / file).is_file():
            out.append((name, f"systemd 凭据 {file}"))
        else:
            out.append((name, shown_path(Path(data_dir) / file)))
    return out


def create(ctx: Context):
    app = ctx.app
    if app is None:
        return None
    from gateway.roles import install
    from hil.hall import devices_page, landing

    data_dir = ctx.data_dir
    hall = ctx.hall
    closing: threading.Event = ctx.closing
    keys = {"screen": ctx.tokens.screen, "kiosk": ctx.tokens.kiosk, "dashboard": ctx.tokens.supervisor}
    roles = install(app, data_dir, clerk=ctx.tokens.clerk)

    def bridge() -> dict:
        return json.loads((data_dir / BRIDGE_FILE).read_text())

    def bridge_url(path: str) -> str:
        return f"http://127.0.0.1:{bridge()['port']}/{path}"

    def printer() -> str | None:
        """The emulated printer's address, as hall-hil started it (None: no printer)."""
        return bridge().get("printer") if (data_dir / BRIDGE_FILE).exists() else None

    @app.get("/", include_in_schema=False)
    def home():
        return HTMLResponse(landing.page(hall, token_files(data_dir), shown_path(ctx.settings.config_path or ""),
                                         shown_path(data_dir), printer(), command("hallgw")))

    @app.get("/hall/open/{name}", include_in_schema=False)
    def open_page(name: str):
        if name == "clerk":
            # The clerk's signed page cookie (gateway/roles), as if the API token had been typed
            # into the console once: the clerk then logs in with their window and login code.
            resp = RedirectResponse("/clerk", status_code=303)
            roles.sign_in(resp, "clerk")
            return resp
        if name not in keys:
            raise HTTPException(404, f"没有这个页面：{name}")
        # The pages' own ?key= door: the kiosk and the dashboard turn it into a cookie at once.
        return RedirectResponse(f"/{name}?key={urllib.parse.quote(keys[name])}", status_code=303)

    @app.get("/hall", include_in_schema=False)
    def devices():
        return HTMLResponse(devices_page.page(hall, printer()), headers={"Cache-Control": "no-cache"})

    @app.get("/hall/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in FILES:
            raise HTTPException(404, "no such file")
        return FileResponse(STATIC / name, media_type=FILES[name], headers={"Cache-Control": "no-cache"})

    @app.get("/hall/events", include_in_schema=False)
    def events():
        try:
            upstream = urllib.request.urlopen(bridge_url("events"), timeout=10)
        except (OSError, ValueError) as e:
            raise HTTPException(503, f"模拟器没有响应 (the hall simulator does not answer: {e})") from None

        def relay():
            # The bridge beats every 2 s, so a shutdown (closing) is seen within one beat.
            with upstream:
                while not closing.is_set():
                    line = upstream.readline()
                    if not line:
                        return
                    yield line
        return StreamingResponse(relay(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # Plain def: FastAPI runs these in its thread pool, so a slow board never blocks the API.
    @app.get("/hall/bridge/img/{name}", include_in_schema=False)
    def image(name: str):
        return relay(urllib.request.Request(bridge_url(f"img/{name}")))

    # The page holds no secret: the extension takes the ticket with the kiosk's token.
    @app.post("/hall/ticket", include_in_schema=False)
    def ticket(body: dict = Body(...)):
        return relay(urllib.request.Request(
            f"http://127.0.0.1:{ctx.settings.http_port}/api/v1/tickets", json.dumps(body).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {keys['kiosk']}"}))

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
        return Response(json.dumps({"detail": f"模拟器没有响应 (the hall simulator does not answer: {e})"},
                                   ensure_ascii=False), 503, media_type="application/json")


class Page:
    name = "模拟大厅的入口页"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
