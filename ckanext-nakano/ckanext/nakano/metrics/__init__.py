"""Usage and publishing metrics: recording (events, middleware), ingestion,
daily rollups, quality scores, link checks, the figures shown and published."""
