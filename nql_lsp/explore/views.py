"""Named views (query, columns, sort, chart) kept in one JSON file in the user's config directory.

It is the only file the explorer writes. A view is what the page's URL holds, so the file stores that text
under a name; what is stored is checked for shape and size, and a broken file is read as no views rather
than failing the page.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MAX_VIEWS = 200
MAX_NAME = 100
MAX_STATE = 50_000  # characters of one view's state


class ViewError(ValueError):
    """A view the page should not have sent; the message says what is expected."""


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "nql-lsp" / "explore-views.json"


def read(path: Path) -> dict[str, str]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    views = raw.get("views") if isinstance(raw, dict) else None
    if not isinstance(views, dict):
        return {}
    return {k: v for k, v in views.items() if isinstance(k, str) and isinstance(v, str)}


def save(path: Path, name: Any, state: Any) -> dict[str, str]:
    """Store ``state`` under ``name`` (an empty state deletes it); the file is replaced whole, atomically."""
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_NAME:
        raise ViewError(f"a view name of 1 to {MAX_NAME} characters")
    if not isinstance(state, str) or len(state) > MAX_STATE:
        raise ViewError(f"a view state of at most {MAX_STATE:,} characters")
    views = read(path)
    name = name.strip()
    if state:
        if name not in views and len(views) >= MAX_VIEWS:
            raise ViewError(f"at most {MAX_VIEWS} views; delete one first")
        views[name] = state
    else:
        views.pop(name, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"views": views}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return views
