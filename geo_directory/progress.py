"""Progress bars for long imports (tqdm on stderr, off in tests and when not a terminal)."""

from collections.abc import Iterable

from tqdm import tqdm


def progress(items: Iterable, label: str, enabled: bool = True, total: int | None = None):
    if not enabled:
        return items
    return tqdm(items, desc=label, total=total, unit=" él.", leave=False, dynamic_ncols=True)
