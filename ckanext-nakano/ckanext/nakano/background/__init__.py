"""Background work of the portal, in one place.

- ``queues``: the RQ queue names and queueing a job at most once per subject;
- ``recovery``: what happens to work whose process died (each feature registers
  its own handling; the recoverer knows none of them);
- ``loop``: the one restart-on-error loop every long-running process uses;
- ``upkeep``: the periodic pass (``ckan nakano upkeep``): recovery, the search
  index check and the daily tasks.

docs/architecture.md ("Processes") shows which process runs what.
"""
