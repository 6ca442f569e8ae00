"""Voice packs: built once and cached, recorded packs drop in, bad packs fail with the clip's name."""
import json
import re
import shutil
import subprocess
import wave

import pytest

from gateway.audio import AudioError, build, mix, pack, template, voice
from gateway.audio.players import aplay_command
from gateway.cli import main


def recorded_copy(src, dst, change=None):
    """A 'recorded' pack: the default clips re-encoded by sox (pitch moved), same clip names."""
    shutil.copytree(src, dst)
    doc = json.loads((dst / "manifest.json").read_text(encoding="utf-8"))
    doc.pop("build")
    doc["name"] = "recorded"
    if change:
        change(doc)
    (dst / "manifest.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return dst


def test_build_is_cached_and_rebuilt_only_when_stale(tmp_path, voice_root, capsys):
    manifest = voice_root / "default" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    assert main(["voice", "build", "--out", str(voice_root), "--pack", "default"]) == 0
    assert "cached 'default', 47 clips" in capsys.readouterr().out
    assert manifest.stat().st_mtime_ns == before
    out = tmp_path / "packs"
    assert main(["voice", "build", "--out", str(out), "--pack", "default-en"]) == 0
    assert "built 'default-en'" in capsys.readouterr().out
    for clip in (out / "default-en").glob("*.wav"):
        with wave.open(str(clip)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000), clip.name
    assert build.is_current("default-en", out / "default-en")
    assert not build.is_current("default", out / "default-en")


def test_recorded_pack_drops_in(tmp_path, voice_root, make_hall):
    rec = recorded_copy(voice_root / "default", tmp_path / "rec")
    for clip in rec.glob("n*.wav"):  # a different "speaker" for the digits
        tmp = clip.with_suffix(".tmp.wav")
        subprocess.run(["sox", str(clip), str(tmp), "pitch", "300"], check=True)
        tmp.replace(clip)
    hall = make_hall(f'voice_pack = "{rec}"\nrepeat = 1\nchime = false')
    v = voice.load(hall, voice_root)
    assert v.packs[0].name == "recorded"
    pcm = v.render("A012", 3)
    clips = ["w_qing", "A", "n0", "n1", "n2", "w_hao", "w_dao", "n3", "w_hao", "w_chuangkou", "w_banli"]
    assert len(pcm) == sum(len(mix.read_wav(rec / f"{c}.wav")[0]) for c in clips)


def test_relative_pack_folder_is_found_beside_the_hall_file(tmp_path, voice_root, make_hall):
    recorded_copy(voice_root / "default", tmp_path / "packs" / "hall-voice")
    hall = make_hall('voice_pack = "packs/hall-voice"')
    assert voice.load(hall, voice_root).packs[0].path == tmp_path / "packs" / "hall-voice"


def cd_quality(d):
    subprocess.run(["sox", str(d / "A.wav"), "-r", "44100", "-c", "2", str(d / "A2.wav")], check=True)
    (d / "A2.wav").replace(d / "A.wav")


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "n7.wav").unlink(), "clip 'n7' (n7.wav): cannot read WAV"),
    (cd_quality, "clip 'A' (A.wav) is 44100 Hz, 2 channel(s), 16-bit; a voice pack needs 16000 Hz mono 16-bit"),
    (lambda d: (d / "w_banli.wav").write_bytes(b"not a wav"), "clip 'w_banli' (w_banli.wav): cannot read WAV"),
    (lambda d: (d / "manifest.json").unlink(), "is not a voice pack: no manifest.json"),
])
def test_broken_pack_names_the_clip(tmp_path, voice_root, damage, message):
    rec = recorded_copy(voice_root / "default", tmp_path / "rec")
    damage(rec)
    with pytest.raises(AudioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pack.load(rec)


def test_pack_missing_a_clip_the_hall_needs_is_refused_before_opening(tmp_path, voice_root, make_hall):
    def no_z(doc):
        del doc["clips"]["Z"]
    rec = recorded_copy(voice_root / "default", tmp_path / "rec", no_z)
    pack.load(rec)  # fine as a pack ...
    hall = make_hall(f'voice_pack = "{rec}"')  # ... but the village's 政策咨询 tickets start with Z
    with pytest.raises(AudioError, match=r"voice pack 'recorded' .* has no clip 'Z' \(ticket Z01234, window 1\)"):
        voice.load(hall, voice_root)

    def no_digit(doc):
        del doc["clips"]["n4"]
    with pytest.raises(AudioError, match="has no clip 'n4' .*zh number reader"):
        pack.load(recorded_copy(voice_root / "default", tmp_path / "rec2", no_digit))


def test_unknown_pack_folder_is_refused(voice_root, make_hall):
    with pytest.raises(AudioError, match="voice pack 'nowhere': no such folder .*built-in packs: default, default-en"):
        voice.load(make_hall('voice_pack = "nowhere"'), voice_root)


def test_missing_template_word_is_refused(voice_root, make_hall):
    hall = make_hall('template = "请 {ticket} 号到 {window} 号服务台"')
    with pytest.raises(AudioError, match="template text '服务台' has no clip in voice pack 'default'"):
        voice.load(hall, voice_root)


def test_second_language_follows_the_first(voice_root, make_hall):
    hall = make_hall('repeat = 1\nchime = true\nsecond_template = "Number {ticket}, please go to window {window}"\n'
                     'second_voice_pack = "default-en"')
    v = voice.load(hall, voice_root)
    steps = v.steps("A012", 21)
    i = steps.index(template.Pause(template.LANGUAGE_PAUSE_MS))
    assert [s.id for s in steps[i + 1:] if isinstance(s, template.Clip)] == [
        "w_number", "A", "n0", "n1", "n2", "w_please", "w_go", "w_to", "w_window", "n20", "n1"]
    assert {s.pack for s in steps[i + 1:] if isinstance(s, template.Clip)} == {1}
    assert [s.id for s in steps[2:i]][-3:] == ["w_hao", "w_chuangkou", "w_banli"]
    en = v.packs[1]
    assert len(v.render("A012", 21)) > sum(len(en.clips[c]) for c in ("w_number", "A", "w_window"))


def test_alsa_command_line():
    assert aplay_command(16000) == ["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-r", "16000", "-c", "1", "-"]
    assert aplay_command(16000, "plughw:1,0")[-3:] == ["-D", "plughw:1,0", "-"]
    assert shutil.which("aplay"), "alsa-utils is installed by the Makefile"


@pytest.mark.parametrize("name,lang", [("default", "cmn"), ("default-en", "en")])
def test_every_clip_is_spoken_in_the_packs_language(name, lang):
    # What espeak-ng will say, as phonemes: a "(en)" or "(cmn)" marks a switch to the
    # other language's rules mid-clip, which is how a Mandarin pack ends up reading
    # 号 as the English letters "hao" and the word "four".
    from gateway.audio import defaults

    spec = defaults.SPECS[name]
    wrong = {}
    for cid, text in defaults.clip_texts(spec).items():
        ph = subprocess.run(["espeak-ng", "-q", "-m", "-x", "-v", spec.voice, text],
                            capture_output=True, text=True, check=True).stdout
        if re.search(rf"\((?!{lang}\))[a-z-]+\)", ph):
            wrong[cid] = ph.strip()
        assert ph.strip(), cid
    assert not wrong, wrong
