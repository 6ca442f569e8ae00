"""The county's sample hall with its kiosk printing on an emulated printer at a test's port."""
from gateway.config import load_text
from tests.support import ROOT

SAMPLE_PRINTER = 'printer = "network:127.0.0.1:9109"'


def county(port: int, chinese: str | None = None, status_timeout: float | None = None):
    """chinese: the printer's Chinese encoding instead of the file's; status_timeout: its seconds."""
    text = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")
    printer = f'printer = "network:127.0.0.1:{port}"'
    if status_timeout is not None:
        printer += f"\nstatus_timeout_seconds = {status_timeout}"
    text = text.replace(SAMPLE_PRINTER, printer)
    if chinese is not None:
        text = text.replace('chinese = "gb18030"', f'chinese = "{chinese}"')
    return load_text(text, "county.toml")
