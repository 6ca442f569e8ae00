"""The hall gateway: queue engine at the centre, thin I/O shells around it."""
