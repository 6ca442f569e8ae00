"""Emulated ESP32 boards running the real firmware: see board.py."""
from hil.board.board import Board, BoardError

__all__ = ["Board", "BoardError"]
