"""Benchmarks: commands that print figures (medians, p99, ratios measured side by side in one
run), never asserted. One command, `hall-bench list` / `hall-bench NAME [options]`; each
benchmark is a module here with arguments(parser) and run(args), and ends with its figures as
key=value on its last line (bench/report.py). Nothing under gateway/ or firmware/ imports this."""
