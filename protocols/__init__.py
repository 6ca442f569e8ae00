# The wire contract between the hall's devices and the gateway.
# Pure Python: the same files run on CPython (gateway) and MicroPython (firmware).
VERSION = 1
