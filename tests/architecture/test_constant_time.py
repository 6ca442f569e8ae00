"""Secrets are compared in constant time: no `==` / `!=` / `in` between a token,
password, secret or code held by the gateway and another value, anywhere in gateway/
(hmac.compare_digest instead: how long a compare takes must not say how much of a
guess was right). A comparison with None or a constant (is it set at all?) is fine, and
so is one between the gateway's own role tokens (at start, to refuse two equal ones)."""
import ast
import re

from tests.support import ROOT

SECRET = re.compile(r"token|password|passwd|secret|login_code|staff_code|api_key", re.I)
OWN_TOKENS = re.compile(r"(\w*token)(\+\w*token)*")


def named(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    if isinstance(node, ast.Tuple | ast.List) and node.elts and all(SECRET.search(named(e)) for e in node.elts):
        return "+".join(named(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and node.args and isinstance(node.args[0], ast.Constant):
        return str(node.args[0].value)
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
           "if kiosk_token in (token, supervisor_token): pass\nif token is None or token == '': pass")
    assert list(plain_compares(src, "x")) == ["x:1: given == token", "x:2: body.staff_code == s.login_code"]
