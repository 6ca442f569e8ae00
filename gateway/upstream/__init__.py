"""好差评 upstream: every rating reported to the provincial platform, exactly once.

The records come from the command log through the outbox (gateway/outbox); one
adapter module per province interface (hcp_json, zj_form), chosen by the hall
file's [upstream] adapter; mapping tables (levels, channels, reasons) are
configuration. The emulated platform beside them is hil/province.
"""
