"""The rendered announcement: format, exact length, no gaps inside a phrase, no clicks at joins."""
import wave
from pathlib import Path

import pytest

from gateway.audio import mix, template
from gateway.cli import main

COUNTY = str(Path(__file__).resolve().parents[2] / "hall_config" / "county.toml")

QUIET_LEVEL = 300          # |sample| below ~1 % of full scale counts as silence
MAX_GAP_MS = 120           # inside a phrase; the shortest configured pause is 200 ms
MAX_STEP_AT_JOIN = 100     # a click is a sudden step; faded edges meet at zero
WORDS = ["w_hao", "w_dao"]


def expected(ticket_ids, window_ids, repeat=2):
    phrase = ["w_qing", *ticket_ids, *WORDS, *window_ids, "w_hao", "w_chuangkou", "w_banli"]
    out = ["chime", template.CHIME_PAUSE_MS]
    for i in range(repeat):
        out += ([template.REPEAT_PAUSE_MS] if i else []) + phrase
    return out


def frames(path):
    with wave.open(str(path), "rb") as w:
        return w.getnframes()


def render(tmp_path, voice_root, ticket, window, volume=100):
    out = tmp_path / f"{ticket}-{window}.wav"
    assert main(["announce", "--config", COUNTY, "--ticket", ticket, "--window", str(window),
                 "--out", str(out), "--voice-dir", str(voice_root), "--volume", str(volume)]) == 0
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        return mix.samples(w.readframes(w.getnframes()))


@pytest.mark.parametrize("ticket, tids, window, wids", [
    ("A012", ["A", "n0", "n1", "n2"], 3, ["n3"]),
    ("A000", ["A", "n0", "n0", "n0"], 0, ["n0"]),
    ("B010", ["B", "n0", "n1", "n0"], 10, ["n10"]),
    ("Z011", ["Z", "n0", "n1", "n1"], 11, ["n10", "n1"]),
    ("K100", ["K", "n1", "n0", "n0"], 20, ["n2", "n10"]),
    ("Q999", ["Q", "n9", "n9", "n9"], 100, ["n1", "n100"]),
    ("P7", ["P", "n7"], 110, ["n1", "n100", "n1", "n10"]),
], ids=lambda v: str(v) if not isinstance(v, list) else None)
def test_rendered_wav_is_exactly_the_clips_and_pauses(tmp_path, voice_root, ticket, tids, window, wids):
    pack = voice_root / "default"
    s = render(tmp_path, voice_root, ticket, window)
    plan = expected(tids, wids)
    spans, pos = [], 0  # (start, end, is_clip)
    for item in plan:
        n = frames(pack / f"{item}.wav") if isinstance(item, str) else 16 * item
        spans.append((pos, pos + n, isinstance(item, str)))
        pos += n
    assert len(s) == pos, "duration must be the clips' plus the configured pauses, nothing else"

    for start, end, is_clip in spans:
        if is_clip:
            assert s[start] == 0 and s[end - 1] == 0, "clip edges fade to zero"
        else:
            assert not any(s[start:end]), "a pause is digital silence of the configured length"
    for (_, a_end, _), (b_start, _, _) in zip(spans, spans[1:], strict=False):
        assert abs(s[b_start] - s[a_end - 1]) <= MAX_STEP_AT_JOIN

    # a phrase is a run of clips between pauses: no silence in it longer than MAX_GAP_MS
    run = longest = 0
    for start, end, is_clip in spans:
        if not is_clip:
            run = 0
            continue
        for x in s[start:end]:
            run = run + 1 if abs(x) < QUIET_LEVEL else 0
            longest = max(longest, run)
    assert longest <= MAX_GAP_MS * 16, f"a {longest / 16:.0f} ms gap inside a phrase"


def test_volume_scales_every_sample(tmp_path, voice_root):
    full = render(tmp_path, voice_root, "A012", 3, volume=100)
    half = render(tmp_path, voice_root, "A012", 3, volume=50)
    assert len(full) == len(half)
    assert all(h == f * 50 // 100 for f, h in zip(full, half, strict=True))
    assert max(map(abs, half)) < max(map(abs, full))


def test_bad_call_is_refused_and_writes_nothing(tmp_path, voice_root, capsys):
    out = tmp_path / "x.wav"
    for ticket, window in (("a12", "3"), ("A12", "-1"), ("A12", "10000")):
        assert main(["announce", "--config", COUNTY, "--ticket", ticket, "--window", window,
                     "--out", str(out), "--voice-dir", str(voice_root)]) == 2
        assert not out.exists()
    err = capsys.readouterr().err
    assert "ticket number 'a12'" in err and "window number -1" in err and "window number 10000" in err
