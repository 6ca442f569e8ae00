"""MQTT brokers: the embedded amqtt broker for `make run`, and the Mosquitto
configuration for production."""
