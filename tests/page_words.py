"""What people read must be Chinese: english_or_iso(text) lists what would give a page away as
English or machine text (a word of Latin letters, an ISO timestamp, a ticket's id).

A stand-in: another engineer is writing the project's shared helper of this name; until it
lands the page tests of the citizen's and the clerk's pages use this one (importable as
`page_words`: tests/ is on the path)."""
import re

# Two or more Latin letters in a row: an English word (a ticket number is one letter and digits:
# A012; a post is A岗). Units and marks people read on a Chinese page are not in it.
WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})"
                 r"|\d{4}-\d{2}-\d{2}-[A-Z]\d+")  # a timestamp, a zone, a ticket's id (2026-11-23-A001)


def english_or_iso(text: str) -> list[str]:
    return WORD.findall(text) + ISO.findall(text)
