# Emulated `ntptime` (micropython-lib's, frozen into the ESP32 firmware): the
# NTP server answers with the host's clock when the board's radio is up and
# the host has not made it fail (Board.ntp(False)). The host is told which
# server the firmware asked.
import time

import _board

host = "pool.ntp.org"
timeout = 1


def settime():
    _board.tell({"ntp": host})
    if not (_board.wifi_up and _board.ntp_ok):
        raise OSError(110)   # ETIMEDOUT, as a socket with no answer raises
    time.rtc_set = True
