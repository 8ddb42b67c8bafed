"""分析を学ぶ (/learn): worked lessons on the portal's own data for the ward's staff and
anyone else (docs/learn.md)."""
