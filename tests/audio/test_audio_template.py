import pytest

from gateway.audio import AudioError, defaults, template
from gateway.audio.template import Clip, Pause

ZH = {k.casefold(): v for k, v in defaults.SPECS["default"].words.items()}
EN = {k.casefold(): v for k, v in defaults.SPECS["default-en"].words.items()}
DEFAULT = "请 {ticket} 号到 {window} 号窗口办理"


def ids(steps):
    return [s.id if isinstance(s, Clip) else f"<{s.ms}>" for s in steps]


def test_default_template_reads_ticket_and_window():
    steps = template.phrase(DEFAULT, ZH, "zh", "A012", 3)
    assert ids(steps) == ["w_qing", "A", "n0", "n1", "n2", "w_hao", "w_dao", "n3", "w_hao", "w_chuangkou", "w_banli"]


@pytest.mark.parametrize("window, middle", [
    (0, ["n0"]), (10, ["n10"]), (11, ["n10", "n1"]), (20, ["n2", "n10"]), (100, ["n1", "n100"]),
])
def test_window_is_a_cardinal_inside_the_template(window, middle):
    steps = ids(template.phrase(DEFAULT, ZH, "zh", "B100", window))
    assert steps == ["w_qing", "B", "n1", "n0", "n0", "w_hao", "w_dao", *middle, "w_hao", "w_chuangkou", "w_banli"]


def test_punctuation_is_a_phrase_break_and_spaces_are_not():
    steps = template.phrase("请{ticket}号，到 {window} 号窗口。办理。", ZH, "zh", "A1", 2)
    assert ids(steps) == ["w_qing", "A", "n1", "w_hao", f"<{template.PHRASE_PAUSE_MS}>", "w_dao", "n2",
                          "w_hao", "w_chuangkou", f"<{template.PHRASE_PAUSE_MS}>", "w_banli"]


def test_english_template_matches_words_case_insensitively():
    steps = template.phrase("Number {ticket}, please go to window {window}", EN, "en", "A012", 21, pack=1)
    assert all(s.pack == 1 for s in steps if isinstance(s, Clip))
    assert ids(steps) == ["w_number", "A", "n0", "n1", "n2", f"<{template.PHRASE_PAUSE_MS}>", "w_please",
                          "w_go", "w_to", "w_window", "n20", "n1"]


def test_unknown_template_word_names_the_text():
    with pytest.raises(AudioError, match="template text '领取' has no clip in voice pack"):
        template.phrase("请 {ticket} 号到 {window} 号柜台领取", ZH, "zh", "A1", 1)


def test_announcement_chime_first_then_repeats_with_pauses():
    first = [Clip(0, "w_qing")]
    second = [Clip(1, "w_please")]
    steps = template.announcement(first, second, repeat=2, chime=True)
    assert steps == [Clip(0, "chime"), Pause(template.CHIME_PAUSE_MS),
                     Clip(0, "w_qing"), Pause(template.LANGUAGE_PAUSE_MS), Clip(1, "w_please"),
                     Pause(template.REPEAT_PAUSE_MS),
                     Clip(0, "w_qing"), Pause(template.LANGUAGE_PAUSE_MS), Clip(1, "w_please")]
    assert template.announcement(first, None, repeat=1, chime=False) == first
