"""The hall's pages (hall screen, clerk console, …) and what they share: the push hub."""
