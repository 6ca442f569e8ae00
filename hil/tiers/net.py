"""Several "hosts" on one machine: a network namespace per site (its own loopback, so
every site's brokers and gateway keep their usual ports) and a veth pair per link,
with addresses of our own (10.77.x.y). A link is cut with `ip link set … down`, as a
cable pulled out or a leased line gone: both ends see nothing, no reset."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@dataclass(frozen=True)
class Link:
    name: str  # for the log
    low: str  # namespace of the child end
    high: str  # namespace of the parent end
    low_if: str
    high_if: str
    low_addr: str
    high_addr: str  # where the child reaches the parent


class Net:
    def __init__(self, sites: list[str], tag: str | None = None):
        """sites from the bottom up (village, township, county): a link between each and the next."""
        self.tag = tag or f"{os.getpid() % 10000}"
        self.ns = {s: f"ht{self.tag}{s[0]}" for s in sites}
        base = 16 + (os.getpid() % 60) * 4
        self.links: list[Link] = []
        for i, (lo, hi) in enumerate(zip(sites, sites[1:], strict=False)):
            net = base + i
            self.links.append(Link(f"{lo}-{hi}", self.ns[lo], self.ns[hi], f"ht{self.tag}{i}a", f"ht{self.tag}{i}b",
                                   f"10.77.{net}.1", f"10.77.{net}.2"))

    def up(self) -> Net:
        self.down()  # leftovers of an earlier run with the same tag
        for ns in self.ns.values():
            ip("netns", "add", ns)
            ip("-n", ns, "link", "set", "lo", "up")
        for ln in self.links:
            ip("link", "add", ln.low_if, "type", "veth", "peer", "name", ln.high_if)
            for ifname, ns, addr in ((ln.low_if, ln.low, ln.low_addr), (ln.high_if, ln.high, ln.high_addr)):
                ip("link", "set", ifname, "netns", ns)
                ip("-n", ns, "addr", "add", f"{addr}/24", "dev", ifname)
                ip("-n", ns, "link", "set", ifname, "up")
        return self

    def cut(self, link: Link, cut: bool = True) -> None:
        ip("-n", link.low, "link", "set", link.low_if, "down" if cut else "up")

    def run_in(self, site: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns[site]]

    def down(self) -> None:
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
