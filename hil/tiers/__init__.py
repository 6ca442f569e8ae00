"""hall-hil tiers: a county, a township and a village, each in a network namespace of
its own with its gateway, brokers and emulated boards, the county's PostgreSQL, and
the faults of the tiers; it ends by comparing every hall's log with the county's rows."""
