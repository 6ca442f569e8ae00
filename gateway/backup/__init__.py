"""Backups of the hall's store: a consistent copy while the gateway runs (SQLite's online
backup API), kept N days in a directory (a second disk, or one the county collects), and
a restore that checks the audit chain before the copy is used."""
