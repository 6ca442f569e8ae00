"""The ticket kiosk (叫号机): take a ticket by department, service and matter, print it on the
thermal printer (gateway/printer), and never leave a ticket that is neither printed nor shown."""
