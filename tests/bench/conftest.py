"""The voice benchmark builds the voice packs as the audio tests do."""
from tests.audio.conftest import voice_root  # noqa: F401
