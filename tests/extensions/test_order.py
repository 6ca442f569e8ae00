"""The start order follows from what the extensions declare (gateway/extensions/order.py): every
provider before those that need or want its ports, LAST ones last, whatever order the list is in;
a need nobody provides, a port provided twice and a circle are refused at start, naming them."""
import importlib
import pkgutil
import random

import pytest

import gateway.extensions as extensions
from gateway.extensions.order import PlanError, declared, plan
from gateway.extensions.ports import BROKER_CREDENTIALS, DEVICE_PLANE, MIRROR_HUB, PUSH_HUB, UPSTREAM, port
from tests.extensions.planted import module

X = port("x_thing", "甲", "builtins:str")
Y = port("y_thing", "乙", "builtins:str")


def built_in():
    return [declared(importlib.import_module(f"gateway.extensions.{n}")) for n in extensions.BUILT_IN]


def with_the_simulator():
    return built_in() + [declared(importlib.import_module("hil.hall.web"))]


def broken(order) -> list[str]:
    """Every declared constraint the order breaks (none: it is a start order)."""
    at = {d.name: i for i, d in enumerate(order)}
    providers = {p.name: d.name for d in order for p in d.provides or {}}
    out = [f"{d.name} before its provider {providers[p.name]} of {p.name}"
           for d in order for p in d.uses if p.name in providers and at[providers[p.name]] > at[d.name]]
    out += [f"{d.name} (LAST) before {o.name}" for d in order if d.last for o in order
            if not o.last and at[o.name] > at[d.name]]
    return out


@pytest.mark.parametrize("seed", range(12))
def test_any_order_of_the_list_gives_an_order_that_keeps_every_declaration(seed):
    mods = with_the_simulator()
    random.Random(seed).shuffle(mods)
    assert broken(mods) != []  # as shuffled, the list itself would start some before their providers
    order = plan(mods)
    assert sorted(d.name for d in order) == sorted(d.name for d in mods)
    assert broken(order) == []


def test_the_declarations_say_what_the_old_fixed_order_said():
    at = {d.name: i for i, d in enumerate(plan(with_the_simulator()))}
    assert at["broker"] < min(at["devices"], at["mirror"], at["attached"])        # their broker login
    assert at["pages"] < min(at["kiosk"], at["clerk_console"], at["screen"], at["reports"])  # the one hub
    assert max(at["devices"], at["kiosk"], at["upstream"]) < at["reports"]       # on the dashboard
    assert max(at["devices"], at["kiosk"], at["upstream"], at["announcer"]) < at["observe"]  # /healthz
    assert at["mirror"] < at["county"] and at["web"] < at["home"]


def test_where_the_declarations_leave_it_open_the_list_decides():
    order = [d.name for d in plan(built_in())]
    assert order == list(extensions.BUILT_IN)  # the list already keeps them: nothing moves
    assert order.index("status_led") == 1      # blinking "starting" while the others start


def test_the_push_hub_has_one_provider_and_every_page_needs_it():
    mods = built_in()
    assert [d.name for d in mods if PUSH_HUB in (d.provides or {})] == ["pages"]
    assert {d.name for d in mods if PUSH_HUB in d.needs} == {"kiosk", "clerk_console", "screen", "reports"}
    providers = [p.name for d in with_the_simulator() for p in d.provides or {}]
    assert len(providers) == len(set(providers))


def test_the_list_is_every_extension_module():
    machinery = {"context", "order", "ports"}
    found = {m.name for m in pkgutil.iter_modules(extensions.__path__)} - machinery
    assert found == set(extensions.BUILT_IN)
    assert all(callable(importlib.import_module(f"gateway.extensions.{n}").create) for n in extensions.BUILT_IN)


def test_a_need_whose_provider_is_left_out_names_both(monkeypatch):
    monkeypatch.delenv(extensions.EXTRA, raising=False)
    with pytest.raises(PlanError) as e:
        extensions.ordered(("pages",))
    said = str(e.value)
    assert "--without pages" in said and "push_hub" in said
    assert all(n in said for n in ("kiosk", "clerk_console", "screen", "reports"))
    assert said.startswith("扩展 kiosk、clerk_console、screen、reports 需要页面推送中心")
    # leaving the pages out with all of them is a gateway without pages
    names = [d.name for d in extensions.ordered(("pages", "kiosk", "clerk_console", "screen", "reports"))]
    assert "pages" not in names and "observe" in names


def test_a_want_whose_provider_is_left_out_is_no_error(monkeypatch):
    monkeypatch.delenv(extensions.EXTRA, raising=False)
    names = [d.name for d in extensions.ordered(("broker", "mirror", "devices", "upstream"))]
    assert {"county", "observe", "reports", "attached"} <= set(names)


def test_a_need_nobody_provides_names_the_extension_and_the_port():
    reader = declared(module("id_reader", needs=(X,)))
    with pytest.raises(PlanError) as e:
        plan(built_in() + [reader])
    assert "扩展 id_reader 需要甲（x_thing），但没有哪个扩展提供它" in str(e.value)
    assert "extension id_reader needs x_thing, which no extension provides" in str(e.value)


def test_a_circle_names_each_extension_and_port_in_it():
    a = declared(module("alpha", needs=(X,), provides={Y: lambda e: e}))
    b = declared(module("beta", wants=(Y,), provides={X: lambda e: e}))
    free = declared(module("gamma", provides={UPSTREAM: lambda e: e}))
    with pytest.raises(PlanError) as e:
        plan([free, a, b])
    said = str(e.value)
    assert said.startswith("扩展之间的依赖成了环")
    assert "alpha after beta (x_thing)" in said and "beta after alpha (y_thing)" in said
    assert "gamma" not in said


def test_a_last_one_that_another_needs_is_a_circle():
    last = declared(module("finisher", last=True, provides={X: lambda e: e}))
    user = declared(module("user", needs=(X,)))
    with pytest.raises(PlanError) as e:
        plan([last, user])
    assert "user after finisher (x_thing)" in str(e.value) and "finisher after user (LAST)" in str(e.value)


def test_a_port_provided_twice_names_both():
    one = declared(module("one", provides={DEVICE_PLANE: lambda e: e}))
    two = declared(module("two", provides={DEVICE_PLANE: lambda e: e}))
    with pytest.raises(PlanError, match="扩展 one 和 two 都提供.*device_plane"):
        plan([one, two])


@pytest.mark.parametrize("declarations, what", [
    ({"needs": "push_hub"}, "NEEDS"),                        # a name, not a port
    ({"wants": [MIRROR_HUB, "mirror"]}, "WANTS"),
    ({"provides": (BROKER_CREDENTIALS,)}, "PROVIDES"),       # a port without how to take it
    ({"provides": {BROKER_CREDENTIALS: "credentials"}}, "PROVIDES"),
])
def test_declarations_of_the_wrong_shape_are_refused(declarations, what):
    with pytest.raises(PlanError, match=f"扩展 odd：{what}"):
        declared(module("odd", **declarations))


def test_a_module_without_create_is_refused():
    m = module("empty")
    del m.create
    with pytest.raises(PlanError, match="扩展 empty 没有 create"):
        declared(m)
