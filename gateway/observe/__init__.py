"""What a county IT office watches: /healthz, /metrics (Prometheus text format), and the
systemd watchdog that restarts a hung gateway (extension gateway/extensions/observe.py)."""
