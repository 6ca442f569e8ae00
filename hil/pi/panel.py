"""The emulated peer of the Pi's own LED panel (gateway/attached/panel.py): luma.emulator's
pygame device, windowless (SDL's dummy video driver), read back from its screen surface:
which pixels are lit and how bright (luma's contrast, the MAX7219 intensity, is the alpha
the emulator draws with)."""
from __future__ import annotations

import os


def emulated_panel(width: int, height: int):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from luma.emulator.device import pygame

    return pygame(width=width, height=height, mode="1", transform="none", scale=1, frame_rate=1000)


def _screen(device):
    import pygame

    s = pygame.display.get_surface()
    if s is None or s.get_size() != device.size:
        raise RuntimeError("the emulated panel has not drawn yet")
    return s


def pixels(device) -> list[list[int]]:
    """The panel as rows of bits (1 = lit), as hil.board's display_pixels reads a board's."""
    s = _screen(device)
    w, h = device.size
    return [[int(s.get_at((x, y))[0] > 0) for x in range(w)] for y in range(h)]


def intensity(device) -> int:
    """The MAX7219 intensity (0..15) the panel was last set to, as the emulator shows it."""
    return round(device._contrast * 255) >> 4
