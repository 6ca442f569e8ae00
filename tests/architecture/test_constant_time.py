"""Secrets are compared in constant time: no `==` / `!=` / `in` between a token,
password, secret or code held by the gateway and another value, anywhere in gateway/
(hmac.compare_digest instead: how long a compare takes must not say how much of a
guess was right). A comparison with None or a constant (is it set at all?) is fine, and
so is one between the gateway's own role tokens (at start, to refuse two equal ones).

The roles' credentials (a bearer header, a ?key=, a page cookie) are read in one place,
gateway/roles, and every one presented is compared there with hmac.compare_digest against
every token the route takes."""
import ast
import hmac
import re

from fastapi.testclient import TestClient

from gateway.roles.table import ROLES
from tests.support import ROOT

SECRET = re.compile(r"token|password|passwd|secret|login_code|staff_code|api_key", re.I)
OWN_TOKENS = re.compile(r"(\w*token)(\+\w*token)*")


def named(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        # tokens["kiosk"] names the token; tokens[role] the store it comes from
        return str(node.slice.value) if isinstance(node.slice, ast.Constant) else named(node.value)
    if isinstance(node, ast.Tuple | ast.List) and node.elts and all(SECRET.search(named(e)) for e in node.elts):
        return "+".join(named(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        first = node.args[0]
        return str(first.value) if isinstance(first, ast.Constant) else named(node.func.value)  # tokens.get(role)
    return ""


def plain_compares(source: str, where: str):
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for op, a, b in zip(node.ops, sides, sides[1:], strict=False):
            if not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
                continue
            if isinstance(a, ast.Constant) or isinstance(b, ast.Constant):
                continue
            na, nb = named(a), named(b)
            if OWN_TOKENS.fullmatch(na) and OWN_TOKENS.fullmatch(nb):
                continue  # the gateway's own role tokens, checked to differ at start: no guess involved
            if SECRET.search(na) or SECRET.search(nb):
                yield f"{where}:{node.lineno}: {ast.unparse(node)}"


def test_no_secret_is_compared_with_a_plain_operator():
    found = [hit for path in sorted((ROOT / "gateway").rglob("*.py"))
             for hit in plain_compares(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_check_sees_a_plain_compare_of_a_code():
    src = ("if given == token: pass\nif body.staff_code == s.login_code: pass\n"
           "if kiosk_token in (token, supervisor_token): pass\nif token is None or token == '': pass\n"
           "if given == self.tokens.get(r.name): pass\nif key != ring.tokens[role]: pass\n"
           "if name == ROLES[role].cookie: pass")
    assert list(plain_compares(src, "x")) == ["x:1: given == token", "x:2: body.staff_code == s.login_code",
                                              "x:5: given == self.tokens.get(r.name)", "x:6: key != ring.tokens[role]"]


# -- the roles' credentials: read in gateway/roles only ---------------------------------------------
COOKIES = {r.cookie for r in ROLES.values() if r.cookie}


def reads_a_credential(source: str, where: str):
    """Where a module reads a request's Authorization header, a ?key= or a role's page cookie."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.arg) and node.arg.lower() == "authorization":
            yield f"{where}:{node.lineno}: parameter {node.arg}"
        elif isinstance(node, ast.Constant) and node.value in COOKIES:
            yield f"{where}:{node.lineno}: the page cookie {node.value}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            seen = ast.unparse(node.func.value)
            wanted = node.args[0].value.lower()
            if (wanted == "authorization" and "headers" in seen) or (wanted == "key" and "query_params" in seen):
                yield f"{where}:{node.lineno}: {ast.unparse(node)}"


def test_only_gateway_roles_reads_a_roles_credential():
    roles = ROOT / "gateway" / "roles"
    found = [hit for path in sorted((ROOT / "gateway").rglob("*.py")) if roles not in path.parents
             for hit in reads_a_credential(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_check_sees_a_credential_read_by_hand():
    src = ('def screen(request, authorization=None):\n    k = request.query_params.get("key")\n'
           '    c = request.cookies.get("hall_kiosk")\n    a = request.headers.get("Authorization")\n'
           '    upstream = {"Authorization": "Bearer x"}\n')
    assert sorted(reads_a_credential(src, "x")) == [
        "x:1: parameter authorization", "x:2: request.query_params.get('key')", "x:3: the page cookie hall_kiosk",
        "x:4: request.headers.get('Authorization')"]


def test_every_credential_presented_is_compared_in_constant_time(tmp_path, monkeypatch):
    """A bearer against every token the route takes (the kiosk's and the clerk's), a key, a cookie."""
    from fastapi import Depends, FastAPI

    from gateway.roles import SCREEN, TICKET_TAKER, install
    from gateway.roles.guard import KIOSK

    app = FastAPI()
    ring = install(app, tmp_path, kiosk="kiosk-secret", clerk="clerk-secret", screen="screen-secret")

    @app.get("/api/v1/kiosk/menu", dependencies=[Depends(KIOSK)])
    def menu():
        return {}

    @app.post("/api/v1/tickets", dependencies=[Depends(TICKET_TAKER)])
    def take():
        return {}

    @app.get("/api/v1/screen", dependencies=[Depends(SCREEN)])
    def screen():
        return {}

    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append({bytes(a), bytes(b)})
        return real(a, b)
    monkeypatch.setattr(hmac, "compare_digest", spy)
    c = TestClient(app)
    assert c.post("/api/v1/tickets", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert compared == [{b"guess", b"kiosk-secret"}, {b"guess", b"clerk-secret"}]  # both, though the first failed
    compared.clear()
    assert c.get("/api/v1/screen?key=screen-secret").status_code == 200
    assert compared == [{b"screen-secret"}]
    compared.clear()
    c.cookies.set("hall_kiosk", ring.cookie_value("kiosk"))
    assert c.get("/api/v1/kiosk/menu").status_code == 200
    assert len(compared) == 1 and {len(v) for v in compared[0]} == {len(ring.cookie_value("kiosk"))}
