"""The county (县级政务服务中心) over its sites: every site's records in PostgreSQL
(gateway/mirror), folded into each site's live picture and reports, shown at /county."""
