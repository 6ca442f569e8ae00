"""The tiers (纵向三级联动): village station -> township centre -> county.

Each hall ships its committed records up to its parent from a cursor of its own, and a
record counts as delivered only when the parent acknowledges the highest seq it holds
contiguously (gateway/outbox/stream.py); the brokers are transport only. A township keeps
its villages' records and sends them on; the county stores every site in PostgreSQL,
checks each site's hash chain and reports gaps and alterations. Cases handed up (帮办代办)
ride in the same records, and the answers come back down the same way.
"""
