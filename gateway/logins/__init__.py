"""Staff login codes, kept hashed in the store (book.py); the engine's lockout of a
window after wrong codes is gateway/engine/guard.py."""
