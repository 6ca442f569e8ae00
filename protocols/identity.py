# Event identity: a random boot id per power-up plus a sequence from 1.
# Together with the device id they name an event uniquely, across reboots.
import os


def new_boot_id():
    b = os.urandom(4)
    return "".join("%02x" % x for x in b)


class Sequence:
    def __init__(self, boot=None):
        self.boot = boot or new_boot_id()
        self.seq = 0

    def next(self):
        self.seq += 1
        return self.seq
