"""What one extension hands another, each a typed port (docs/EXTENSIONS.md).

An extension declares the ports it PROVIDES, NEEDS and WANTS; `hallgw run` starts a provider
before every extension that needs or wants what it provides, and hands each extension only the
ports it declared (Context.need / Context.get). A port's type is named by "module:Class" and
looked up only when a provider hands one over (the provider has imported it by then): naming a
port costs no import, so a village on a Pi Zero loads no more than it runs.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

    from gateway.audio.health import AudioHealth
    from gateway.clock.watch import Watch
    from gateway.devices.plane import DevicePlane
    from gateway.kiosk.monitor import PrinterMonitor
    from gateway.mirror.hub import Hub
    from gateway.pages.push import PushHub
    from gateway.upstream.service import Unavailable, Upstream

T = TypeVar("T")


@dataclass(frozen=True)
class Port(Generic[T]):
    name: str                 # the port in code and in the log: push_hub
    what: str                 # what it is, in the hall's words, for the console's messages
    kinds: tuple[str, ...]    # what a provider may hand over: "module:Class", one of them

    def __repr__(self) -> str:
        return self.name

    def holds(self, value: object) -> bool:
        for kind in self.kinds:
            module, _, name = kind.partition(":")
            if isinstance(value, getattr(importlib.import_module(module), name)):
                return True
        return False


def port(name: str, what: str, *kinds: str) -> Port[Any]:
    return Port(name, what, kinds)


# -- the ports of the gateway's extensions: name, what it is (for the console), what a provider hands over --
PUSH_HUB: Port[PushHub] = port("push_hub", "页面推送中心（各页面共用）", "gateway.pages.push:PushHub")
BROKER_CREDENTIALS: Port[Path] = port("broker_credentials", "内置 MQTT 服务器的登录凭据文件", "pathlib:Path")
DEVICE_PLANE: Port[DevicePlane] = port("device_plane", "设备通道（叫号器、评价器、窗口屏）",
                                       "gateway.devices.plane:DevicePlane")
PRINTER: Port[PrinterMonitor] = port("printer", "取号机打印机的状态", "gateway.kiosk.monitor:PrinterMonitor")
UPSTREAM: Port[Upstream | Unavailable] = port("upstream", "好差评上报（省级平台）", "gateway.upstream.service:Upstream",
                                              "gateway.upstream.service:Unavailable")
SPEAKERS: Port[AudioHealth] = port("speakers", "叫号广播扬声器的状态", "gateway.audio.health:AudioHealth")
MIRROR_HUB: Port[Hub] = port("mirror_hub", "下级站点日志的汇集（乡镇、县级）", "gateway.mirror.hub:Hub")
HALL_CLOCK: Port[Watch] = port("hall_clock", "大厅时钟（是否已同步、由监管人员校准）", "gateway.clock.watch:Watch")
# another page on / in place of the start page (the hall simulator's landing page); the value: its name
FRONT_PAGE: Port[str] = port("front_page", "占用首页 / 的另一个页面", "builtins:str")


class Undeclared(LookupError):
    """An extension reached for a port it did not declare (NEEDS or WANTS): a bug in the extension."""


class Unmet(LookupError):
    """A needed port that no started extension provides (only outside `hallgw run`: it never
    creates an extension whose needs are unmet)."""


@dataclass(frozen=True)
class Ports:
    """The ports one extension may read: those it declared (`hallgw run` hands over no other),
    with what their providers handed over. declared None: a context made by hand (a test's)."""
    extension: str = ""
    declared: frozenset[str] | None = None
    values: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def given(cls, values: Mapping[Port[Any], object]) -> Ports:
        """What a test hands an extension it creates by itself."""
        return cls(values=MappingProxyType({p.name: v for p, v in values.items() if v is not None}))

    def get(self, p: Port[T]) -> T | None:
        if self.declared is not None and p.name not in self.declared:
            raise Undeclared(f"扩展 {self.extension or '?'} 使用了未声明的 {p.name}：请写进它的 NEEDS 或 WANTS "
                             f"(extension {self.extension or '?'} reads {p.name} without declaring it)")
        return self.values.get(p.name)  # type: ignore[return-value]  # Port.holds checked it on the way in

    def need(self, p: Port[T]) -> T:
        got = self.get(p)
        if got is None:
            raise Unmet(f"扩展 {self.extension or '?'} 需要的{p.what}（{p.name}）没有提供者 "
                        f"(extension {self.extension or '?'} needs {p.name}, which nothing provides)")
        return got
