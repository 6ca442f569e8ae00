"""The adapter named in the hall file's [upstream] adapter, one module each."""
from __future__ import annotations

from gateway.config.model import Upstream
from gateway.upstream import hcp_json, zj_form

MODULES = {hcp_json.NAME: hcp_json.HcpJson, zj_form.NAME: zj_form.ZjForm}


def make(up: Upstream, secret: str, client=None):
    return MODULES[up.adapter](up, secret, client)
