# A small asyncio MQTT 3.1.1 client for the ESP32: last will, QoS 0/1
# publish retransmitted until PUBACK (across reconnects, or failing when the
# link that carried it is lost), subscribe, keepalive ping, reconnect (at once
# after a link that stood, then with capped backoff), TCP_NODELAY, and TLS
# (mbedTLS through the tls module, as the ESP32 and unix ports both have it)
# checked against the hall's CA and name.
import asyncio
import gc
import time
from micropython import const

_CONNECT_MS = const(5000)
_RETRY_MS = const(3000)      # resend an unacked QoS 1 publish (with DUP)
_BACKOFF_MIN = const(500)
_BACKOFF_MAX = const(8000)
_STEADY_MS = const(10000)    # a link that stood this long was good: its loss is news, not a failing broker


def _str(s):
    b = s.encode() if isinstance(s, str) else s
    return bytes((len(b) >> 8, len(b) & 255)) + b


def _packet(first, body):
    n = len(body)
    hdr = bytearray((first,))
    while True:
        b = n & 127
        n >>= 7
        hdr.append(b | 128 if n else b)
        if not n:
            return bytes(hdr) + body


class _Pending:
    def __init__(self):
        self.ev = asyncio.Event()
        self.acked = False


class MQTT:
    def __init__(self, cid, host, port, user=None, password=None, keepalive=30, will=None, rx=1024,
                 tls=None, name=None):
        self.cid, self.host, self.port = cid, host, port
        # TLS: a context from tls_context() (one for every reconnect) and the name the
        # broker's certificate must carry (its address by default).
        self._tls = tls
        self._name = name or host
        self.user, self.password, self.keepalive, self.will = user, password, keepalive, will
        self.up = False
        self.progress = time.ticks_ms()   # last sign of life, for the watchdog
        self.on_message = None           # f(topic, buf, n): the payload is buf[:n], valid during the call
        self.on_up = None                # coroutine run after each connect
        self.on_down = None
        self._s = None
        # One packet at a time into the stream (two drains at once could send bytes twice):
        # an Event as the lock, asyncio.Lock's module would cost the heap 0.9K more.
        self._free = asyncio.Event()
        self._free.set()
        self._pid = 0
        self._inflight = {}
        self._down = asyncio.Event()
        self._upev = asyncio.Event()
        self._rx = 0
        self._link = 0                   # counts connections: which link carried a publish
        self._dropped = False            # drop() ended the link: our Wi-Fi, not the broker
        self._rxbuf = bytearray(rx)      # incoming payloads up to rx bytes
        self._scrap = bytearray(64)      # where a message too big for the heap is read off

    def _next_pid(self):
        self._pid = self._pid % 65535 + 1
        return self._pid

    async def _send(self, data):
        while not self._free.is_set():
            await self._free.wait()
        self._free.clear()   # no await since the check: this task holds it
        try:
            self._s.write(data)
            await self._s.drain()
        finally:
            self._free.set()

    def _connect_packet(self):
        flags = 0x02  # clean session: desired state is retained, in-flight we resend
        pl = _str(self.cid)
        if self.will:
            topic, msg, retain, qos = self.will
            flags |= 0x04 | qos << 3 | (0x20 if retain else 0)
            pl += _str(topic) + _str(msg)
        if self.user:
            flags |= 0x80
            pl += _str(self.user)
            if self.password is not None:
                flags |= 0x40
                pl += _str(self.password)
        vh = _str("MQTT") + bytes((4, flags, self.keepalive >> 8, self.keepalive & 255))
        return _packet(0x10, vh + pl)

    async def _open(self):
        r, _ = await asyncio.wait_for_ms(asyncio.open_connection(self.host, self.port), _CONNECT_MS)
        self._s = r
        try:
            r.s.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY: else 40 ms per hop
        except Exception:
            pass
        if self._tls is not None:
            # On the TCP socket (its TCP_NODELAY set): the handshake runs within the first
            # write and read below, a certificate that does not verify raises there.
            r.s = self._tls.wrap_socket(r.s, server_hostname=self._name, do_handshake_on_connect=False)
        await self._send(self._connect_packet())
        ack = await asyncio.wait_for_ms(r.readexactly(4), _CONNECT_MS)
        if ack[0] != 0x20 or ack[3] != 0:
            raise OSError("broker refused the connection (code %d)" % ack[3])

    def drop(self):
        # Called when the link is known dead (Wi-Fi lost): reconnect as soon as it is back.
        self._dropped = True
        self._down.set()

    async def run(self, link_ok):
        """Connect and stay connected forever; link_ok() awaits a network. The
        first try after a link that stood, or that our Wi-Fi ended, is at once;
        failing tries, and links the broker ends early, back off from
        _BACKOFF_MIN to _BACKOFF_MAX, so a broker that is down is not hammered."""
        delay = 0
        while True:
            await link_ok()
            self.progress = since = time.ticks_ms()
            self._down = asyncio.Event()
            self._dropped = False
            tasks = ()
            try:
                await self._open()
                since = time.ticks_ms()
                self._link += 1
                self.up = True
                self._rx = time.ticks_ms()
                tasks = (asyncio.create_task(self._reader()), asyncio.create_task(self._pinger()))
                self._upev.set()
                for p in self._inflight.values():
                    p.ev.set()  # resend what was unacked on the last link
                if self.on_up:
                    asyncio.create_task(self.on_up())
                await self._down.wait()
            except Exception as e:
                print("mqtt: %s:%d: %r" % (self.host, self.port, e))
            was_up = self.up
            self.up = False
            self._upev = asyncio.Event()
            for t in tasks:
                t.cancel()
            try:
                self._s.close()
            except Exception:
                pass
            self._s = None
            # The dead link's socket, streams and tasks go now, before the next link's
            # (a TLS session among them) are made: one heap, not two, at a reconnect.
            gc.collect()
            for p in self._inflight.values():
                p.ev.set()  # wake the publishers: keep=False ones fail, the rest wait for a link
            if was_up and self.on_down:
                self.on_down()
            self.progress = time.ticks_ms()
            if self._dropped or was_up and time.ticks_diff(self.progress, since) >= _STEADY_MS:
                delay = 0
            if delay:
                await asyncio.sleep_ms(delay)
            delay = min(max(delay * 2, _BACKOFF_MIN), _BACKOFF_MAX)

    async def _pinger(self):
        ka = self.keepalive * 1000
        try:
            while True:
                await asyncio.sleep_ms(ka // 2)
                if time.ticks_diff(time.ticks_ms(), self._rx) > ka * 3 // 2:
                    print("mqtt: no answer from the broker in %d s" % (ka * 3 // 2000))
                    break
                await self._send(b"\xc0\x00")
        except Exception:
            pass
        self._down.set()

    async def _reader(self):
        s = self._s
        try:
            while True:
                first = (await s.readexactly(1))[0]
                n = sh = 0
                while True:
                    b = (await s.readexactly(1))[0]
                    n |= (b & 127) << sh
                    sh += 7
                    if not b & 128:
                        break
                if first & 0xF0 == 0x30:
                    await self._publish_in(first, n)
                else:
                    self._control(first, await s.readexactly(n) if n else b"")
                self._rx = self.progress = time.ticks_ms()
        except Exception as e:
            print("mqtt: link lost: %r" % (e,))
        self._down.set()

    async def _publish_in(self, first, n):
        # The payload is read straight into the receive buffer, allocated once
        # at boot while the heap was whole: late in the day the free heap is
        # in small pieces between long-lived objects, and a state of a few kB
        # would find no block. (readexactly would also join the TCP segments
        # into ever larger strings.) A bigger message gets a block of its own
        # if there is one, else it is read off and dropped, keeping the link.
        s = self._s
        hdr = await s.readexactly(2)
        tl = hdr[0] << 8 | hdr[1]
        topic = str(await s.readexactly(tl), "utf-8")
        n -= 2 + tl
        pid = None
        if first & 6:
            hdr = await s.readexactly(2)
            pid = hdr[0] << 8 | hdr[1]
            n -= 2
        buf = self._rxbuf
        if n > len(buf):
            gc.collect()
            try:
                buf = bytearray(n)
            except MemoryError:
                buf = None
                print("mqtt: %d-byte message on %s dropped: no heap for it" % (n, topic))
        mv = memoryview(buf if buf is not None else self._scrap)
        got = 0
        while got < n:
            k = await s.readinto(mv[got:n] if buf is not None else mv[:min(n - got, len(mv))])
            if not k:
                raise EOFError
            got += k
        del mv
        if pid is not None:
            self._s.write(bytes((0x40, 2, pid >> 8, pid & 255)))
        if buf is not None and self.on_message:
            try:
                self.on_message(topic, buf, n)
            except Exception as e:
                print("mqtt: message on %s dropped: %r" % (topic, e))

    def _control(self, first, body):
        kind = first & 0xF0
        if kind == 0x40:
            p = self._inflight.get(body[0] << 8 | body[1])
            if p:
                p.acked = True
                p.ev.set()
        elif kind == 0x90 and body[2] == 0x80:
            print("mqtt: subscription refused")

    async def wait_up(self):
        while not self.up:
            await self._upev.wait()

    async def subscribe(self, topic, qos=1):
        await self._send(_packet(0x82, _str_pid(self._next_pid()) + _str(topic) + bytes((qos,))))

    async def publish(self, topic, msg, retain=False, qos=0, keep=True):
        """QoS 0: send if up, else OSError. QoS 1: returns once the broker has
        it; keep=False raises OSError instead when the link that carried it is
        lost before the PUBACK (the message may or may not have arrived), where
        keep=True sends it again on every new link until it is acknowledged."""
        if not self.up:
            raise OSError("offline")
        if not qos:
            await self._send(_packet(0x30 | retain, _str(topic) + msg.encode()))
            return
        pid = self._next_pid()
        p = self._inflight[pid] = _Pending()
        body = _str(topic) + _str_pid(pid) + msg.encode()
        dup = 0
        link = self._link
        try:
            while not p.acked:
                if not keep and (not self.up or self._link != link):
                    raise OSError("link lost before PUBACK")
                await self.wait_up()
                p.ev = asyncio.Event()
                try:
                    await self._send(_packet(0x32 | dup | retain, body))
                except Exception:
                    pass
                dup = 8
                try:
                    await asyncio.wait_for_ms(p.ev.wait(), _RETRY_MS)
                except asyncio.TimeoutError:
                    pass
        finally:
            del self._inflight[pid]


def tls_context(path):
    """A TLS client context that trusts only the hall CA (DER file on flash). Its mbedTLS
    state takes some 3K of heap for good: main.py makes it before anything else loads, so
    it sits in one piece at the bottom of the heap rather than among the modules."""
    # tls, the built-in module under micropython-lib's ssl wrapper (on the ESP32 and unix
    # ports alike): the wrapper would cost the heap 1K for nothing.
    import tls
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    # mbedTLS checks nothing below REQUIRED. (verify_mode is an attribute made in C that the
    # ESP32 stubs do not list.)
    ctx.verify_mode = tls.CERT_REQUIRED  # type: ignore[attr-defined]
    with open(path, "rb") as f:
        ctx.load_verify_locations(f.read())
    return ctx


def _str_pid(pid):
    return bytes((pid >> 8, pid & 255))
