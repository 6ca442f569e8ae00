"""The hall's roles and their credentials, in one place (docs/SECURITY.md): clerk, kiosk,
hall screen, supervisor, county. table.py says how each presents its credential and what a
person is told; tokens.py where the tokens and the page key are kept; cookie.py the signed
page cookies; keyring.py the one check; guard.py the one FastAPI dependency per role."""
from gateway.roles.guard import CLERK, COUNTY, KIOSK, PRINTER_WATCH, SCREEN, SUPERVISOR, TICKET_TAKER, Guard, page
from gateway.roles.keyring import Keyring, Presented, Refused, install, keyring_of, same_origin
from gateway.roles.tokens import load_page_key, load_role_token, load_supervisor_token, load_token

__all__ = ["CLERK", "COUNTY", "KIOSK", "PRINTER_WATCH", "SCREEN", "SUPERVISOR", "TICKET_TAKER", "Guard",
           "Keyring", "Presented", "Refused", "install", "keyring_of", "load_page_key", "load_role_token",
           "load_supervisor_token", "load_token", "page", "same_origin"]
