"""An emulated provincial 好差评 platform: the strict peer the gateway's
upstream adapters deliver ratings to (protocols in /work/shared/UPSTREAM.md).

platform.py holds the rules and the state, server.py the HTTP around them,
control.py a client for tests and the simulated hall day. Written apart from
gateway.upstream on purpose: it checks the adapters, so it must not share
their reading of the protocol.
"""
