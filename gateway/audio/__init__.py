"""Call-number audio: voice packs, gapless announcements, one ordered playback queue.

Pure parts: numbers (how a ticket and a window are read), template (the clip
sequence of one announcement), mix (PCM joining), schedule (quiet hours,
volume, queue pruning). Shells: pack/build (files, espeak-ng, sox), players
(ALSA, file), amp (gpiozero), announcer (the one playback queue).
"""

RATE = 16000  # every clip, pause and announcement: 16 kHz mono signed 16-bit


class AudioError(Exception):
    """A voice pack, template or call that cannot be announced, with the reason."""
