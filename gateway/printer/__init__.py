"""The kiosk's thermal printer: layout (a ticket -> ESC/POS bytes, pure), status (the printer's
real-time status bytes -> a state, pure) and connection (python-escpos over network, serial or USB).
Its emulated peer is hil/printer/."""
