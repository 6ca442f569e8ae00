"""Hardware wired to the Pi itself, for a station without ESP32 devices: a MAX7219 LED panel
on the Pi's SPI (luma.led_matrix), call buttons on its GPIO (gpiozero). Each stands in for a
device of the hall file and speaks MQTT as that device does, so it gets the same desired
state and its presses the same exactly-once handling (`hallgw run --attached FILE`)."""
