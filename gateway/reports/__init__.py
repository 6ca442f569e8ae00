"""The reporting store and the supervisor's report (docs/REPORTS.md): fold.py folds the
command log into rows, store.py keeps them in data/reports.db, follow.py keeps it up to
date, report.py builds the report, api.py serves it."""
