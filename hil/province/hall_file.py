"""A hall file pointed at the emulated provincial platform (hil/province): the
hall simulator's day and benchmark, and the tests, take the real hall file and
swap its [upstream] table for one that names the emulator and its secret."""
from __future__ import annotations

import re
from pathlib import Path

APP_KEY_OF = "{hall}"  # the emulator issues each hall its id as app key
STANDARD_LEVELS = '{ "非常满意" = "5", "满意" = "4", "基本满意" = "3", "不满意" = "2", "非常不满意" = "1" }'


def with_upstream(text: str, url: str, app_key: str, secret_file: Path | str, *, adapter: str = "hcp-json",
                  sm4: bool = False, level_map: str = STANDARD_LEVELS, retry_max: float = 5.0,
                  timeout: float = 2.0, extra: str = "") -> str:
    base = url.rstrip("/") + ("/hcp" if adapter == "hcp-json" else "/zj/evaluation")
    section = (f'[upstream]\nenabled = true\nadapter = "{adapter}"\nurl = "{base}"\napp_key = "{app_key}"\n'
               f'secret_file = "{secret_file}"\nsm4 = {"true" if sm4 else "false"}\nchannel = "5"\n'
               f'supplementary_channel = "3"\nretry_max_seconds = {retry_max}\ntimeout_seconds = {timeout}\n'
               f'level_map = {level_map}\n{extra}\n')
    if re.search(r"^\[upstream\]$", text, flags=re.M):
        return re.sub(r"^\[upstream\]\n.*?(?=^\[)", section + "\n", text, count=1, flags=re.S | re.M)
    return text + "\n" + section


def write_hall_file(src: Path | str, dest: Path | str, province, adapter: str = "hcp-json", **kw) -> Path:
    """src's hall, delivering to the running `province` (a hil.province.control.Province)."""
    dest = Path(dest)
    text = Path(src).read_text(encoding="utf-8")
    dest.write_text(with_upstream(text, province.url, province.app_key, province.secret_file, adapter=adapter,
                                  sm4=province.sm4, **kw), encoding="utf-8")
    return dest
