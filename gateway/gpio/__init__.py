"""The Pi's own GPIO: the gateway's status LED."""
