"""The HTTP API (FastAPI): the kiosk issues tickets, clerks act, screens read views."""
from gateway.api.app import create_app

__all__ = ["create_app"]
