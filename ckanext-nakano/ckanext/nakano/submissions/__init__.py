"""Submissions from the public: 活用事例 (reuses) and データ要望 (data requests),
and what keeps them from being abused (abuse.py)."""
