"""Hall configuration: one TOML file per hall, validated with precise errors."""
from gateway.config.load import ConfigError, load_file, load_or_report, load_text
from gateway.config.model import Hall

__all__ = ["ConfigError", "Hall", "load_file", "load_or_report", "load_text"]
