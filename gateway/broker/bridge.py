"""Mosquitto between the tiers, for `hallgw mosquitto-config`.

Child side ([parent] transport = "bridge"): a bridge from this hall's broker to the
parent's, carrying exactly the hall's two mirror topics (up out, down in) at QoS 1,
with a stable client id, cleansession false (the parent broker keeps our session
across a reconnect), TLS against the parent's CA, and the local broker's persistence
(set in mosquitto.conf) so queued messages outlive a restart. None of that is trusted
to keep data: a bridge queue can drop messages (Mosquitto 2.0.x), so delivery counts
only when the parent's ingest acknowledges it (gateway/mirror).

Parent side ([mirror] children): a listener for the children's bridges (TLS when
[mirror] cert_file is set), one login per child (its secret in the child's
password_file, the same the child's [parent] password_file holds) and an ACL that lets
each child write only its own up topic and read only its own down topic.
"""
from __future__ import annotations

from gateway.config import Hall
from gateway.mirror import wire


def _secret(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def bridge_text(hall: Hall) -> str:
    """The child's bridge to its parent ("" when the hall has none)."""
    p = hall.parent
    if p is None or p.transport != "bridge":
        return ""
    lines = [
        f"# The tiers: {hall.id} -> {p.id}. Transport only: the parent's ingest acknowledges what it holds.",
        f"connection hall-{hall.id}-to-{p.id}",
        f"address {p.host}:{p.port}",
        "bridge_protocol_version mqttv311",
        f"remote_clientid hall-{hall.id}-bridge",
        f"local_clientid hall-{hall.id}-bridge-local",
        "cleansession false",
        "try_private true",
        "keepalive_interval 30",
        "restart_timeout 2 30",
        "notifications true",
        f"notification_topic hall/{hall.id}/mirror/bridge",
        f"topic {wire.up_topic(p.id, hall.id)} out 1",
        f"topic {wire.down_topic(p.id, hall.id)} in 1",
    ]
    if p.username:
        lines.append(f"remote_username {p.username}")
    if p.password_file:
        lines.append(f"remote_password {_secret(p.password_file)}")
    if p.tls:
        lines += [f"bridge_cafile {p.ca_file}", "bridge_insecure false"]
        if p.cert_file:
            lines += [f"bridge_certfile {p.cert_file}", f"bridge_keyfile {p.key_file}"]
    return "\n".join(lines) + "\n"


def listener_text(hall: Hall) -> str:
    """The parent's listener for its children's bridges ("" without children)."""
    m = hall.mirror
    if not m.children:
        return ""
    lines = [f"# The children's bridges ({', '.join(m.child_ids)}).", f"listener {m.listen_port} {m.listen_host}"]
    if m.cert_file:
        lines += [f"certfile {m.cert_file}", f"keyfile {m.key_file}", "tls_version tlsv1.2"]
    return "\n".join(lines) + "\n"


def child_users(hall: Hall) -> list[dict]:
    """{username, password} of each child whose secret file is given."""
    return [{"username": c.id, "password": _secret(c.password_file)} for c in hall.mirror.children
            if c.password_file]


def acl_text(hall: Hall, gateway_user: str) -> str:
    """Each child its own two topics; our gateway the mirror topics to our parent."""
    out = []
    if hall.parent is not None:
        out += [f"user {gateway_user}", f"topic readwrite hall/{hall.parent.id}/mirror/{hall.id}/#", ""]
    for c in hall.mirror.children:
        out += [f"user {c.id}", f"topic write {wire.up_topic(hall.id, c.id)}",
                f"topic read {wire.down_topic(hall.id, c.id)}", ""]
    return "\n".join(out)
