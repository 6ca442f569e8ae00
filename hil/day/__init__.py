"""A simulated hall day: who arrives when, how long each service takes, what goes wrong."""
