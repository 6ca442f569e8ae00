"""The device plane: MQTT link, device registry, event intake and desired state."""
