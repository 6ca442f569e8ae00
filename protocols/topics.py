# Topic scheme. Everything lives under hall/<hall_id>/ so one broker can carry
# several halls (a county centre and its township centres) without crosstalk.
#
#   hall/<h>/device/<d>/event         device -> gateway, QoS 1, not retained
#   hall/<h>/device/<d>/state         device -> gateway, retained (fw, heap, rssi)
#   hall/<h>/device/<d>/availability  device -> gateway, retained, last will
#   hall/<h>/device/<d>/desired       gateway -> device, retained
#   hall/<h>/gateway/availability     gateway, retained, last will

ROOT = "hall"
EVENT = "event"
STATE = "state"
AVAILABILITY = "availability"
DESIRED = "desired"
DEVICE_KINDS = (EVENT, STATE, AVAILABILITY, DESIRED)
GATEWAY = "gateway"

ID_MAX = 32


def valid_id(s):
    # Lower-case letters, digits, '-' and '_': safe in topics, file names and ACLs.
    if not isinstance(s, str) or not 0 < len(s) <= ID_MAX:
        return False
    for c in s:
        if not ("a" <= c <= "z" or "0" <= c <= "9" or c == "-" or c == "_"):
            return False
    return True


def _check(hall_id, device_id=None):
    if not valid_id(hall_id):
        raise ValueError("bad hall id %r" % (hall_id,))
    if device_id is not None and not valid_id(device_id):
        raise ValueError("bad device id %r" % (device_id,))


def device(hall_id, device_id, kind):
    _check(hall_id, device_id)
    if kind not in DEVICE_KINDS:
        raise ValueError("bad topic kind %r" % (kind,))
    return "%s/%s/device/%s/%s" % (ROOT, hall_id, device_id, kind)


def event(hall_id, device_id):
    return device(hall_id, device_id, EVENT)


def state(hall_id, device_id):
    return device(hall_id, device_id, STATE)


def availability(hall_id, device_id):
    return device(hall_id, device_id, AVAILABILITY)


def desired(hall_id, device_id):
    return device(hall_id, device_id, DESIRED)


def gateway_availability(hall_id):
    _check(hall_id)
    return "%s/%s/%s/%s" % (ROOT, hall_id, GATEWAY, AVAILABILITY)


def device_filter(hall_id, kind):
    # Subscription filter for one kind of topic from every device of a hall.
    _check(hall_id)
    if kind not in DEVICE_KINDS:
        raise ValueError("bad topic kind %r" % (kind,))
    return "%s/%s/device/+/%s" % (ROOT, hall_id, kind)


def parse(topic):
    """Split a topic into (hall_id, device_id or None, kind); ValueError if it is not ours."""
    if isinstance(topic, (bytes, bytearray, memoryview)):
        topic = bytes(topic).decode()
    parts = topic.split("/")
    if len(parts) == 5 and parts[0] == ROOT and parts[2] == "device":
        _check(parts[1], parts[3])
        if parts[4] not in DEVICE_KINDS:
            raise ValueError("bad topic kind %r" % (parts[4],))
        return parts[1], parts[3], parts[4]
    if len(parts) == 4 and parts[0] == ROOT and parts[2] == GATEWAY and parts[3] == AVAILABILITY:
        _check(parts[1])
        return parts[1], None, AVAILABILITY
    raise ValueError("not a hall topic: %r" % (topic,))
