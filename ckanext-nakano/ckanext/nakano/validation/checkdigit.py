"""全国地方公共団体コード (JIS X 0402): 5-digit code + check digit."""
from __future__ import annotations

WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_five, WEIGHTS))
    return (11 - total % 11) % 10


def is_valid(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and check_digit(code[:5]) == int(code[5])
