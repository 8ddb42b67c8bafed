"""Render a template as the official nginx image does (envsubst of the
environment's variables): ``${NAME}`` is replaced when NAME is set, every
other ``$name`` is left to nginx. Fails on a ``${NAKANO_*}`` left unset."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path


def render(text: str, env: dict[str, str]) -> str:
    missing = sorted({name for name in re.findall(r"\$\{(NAKANO_\w+)\}", text) if name not in env})
    if missing:
        raise SystemExit(f"unset: {', '.join(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), m.group(0)), text)


if __name__ == "__main__":
    sys.stdout.write(render(Path(sys.argv[1]).read_text(encoding="utf-8"), dict(os.environ)))
