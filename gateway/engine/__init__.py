"""The pure queue engine: Engine(hall).handle(cmd) -> Outcome. See docs/CONTRACTS.md."""
from gateway.engine.commands import CASE_TYPES, SPEC
from gateway.engine.engine import Engine, Outcome
from gateway.engine.tickets import public

__all__ = ["CASE_TYPES", "SPEC", "Engine", "Outcome", "public"]
