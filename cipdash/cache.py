"""One cache for everything read from a database snapshot.

`@per_version` remembers a function's answer for one version of the database file: the
key is the function (its module and qualified name), the snapshot's file and version, and
the arguments. A load writes a new file, so a new version is a new key and nothing has to
be invalidated by hand; old versions fall out as newer entries push them past the size.

Free of Streamlit: queries.py and the views use it directly, and the dashboard's own
Streamlit caches (cipdash/webapp.py) key on `function_key` the same way.

Answers are shared between callers (and threads): a caller that wants to change one
copies it first. Pandas' copy-on-write keeps a frame derived from a shared one apart.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Callable, Hashable

# Entries kept across every cached function, least recently used dropped first. The
# answers are a few kB to ~0.5 MB (a month's SPC readings of 40 measures, with their
# arrays), and a page view needs tens: 128 keeps a few page views' worth within ~60 MB.
SIZE = 128

_ENTRIES: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def function_key(fn: Callable) -> tuple[str, str]:
    """(module, qualified name): what names a cached function across modules. A function
    made inside another (a closure, a lambda) has no such name of its own: refused, since
    two of them would share a key while computing different things."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not name or "<locals>" in name or "<lambda>" in name:
        raise TypeError(f"only a module-level function or method can be cached, not {fn!r}")
    return module, name


def version_key(snap) -> tuple:
    """The file and its version: two database files never share an entry, and a load (a
    new file, a new version) never reads an answer of the file it replaced."""
    return str(snap.path), snap.version


def per_version(fn: Callable) -> Callable:
    """Cache `fn(snap, *args, **kwargs)` per database version and arguments (which must be
    hashable: dates, text, tuples)."""
    name = function_key(fn)

    @functools.wraps(fn)
    def cached(snap, *args, **kwargs):
        key = (name, version_key(snap), args, tuple(sorted(kwargs.items())))
        with _LOCK:
            if key in _ENTRIES:
                _ENTRIES.move_to_end(key)
                return _ENTRIES[key]
        # Computed outside the lock: two threads asking at once may both compute it, which
        # costs time once but never blocks every other page on one slow query.
        value = fn(snap, *args, **kwargs)
        with _LOCK:
            _ENTRIES[key] = value
            _ENTRIES.move_to_end(key)
            while len(_ENTRIES) > SIZE:
                _ENTRIES.popitem(last=False)
        return value

    cached.uncached = fn
    return cached


def clear() -> None:
    """Forget every entry (tests; a process never needs it: versions change the keys)."""
    with _LOCK:
        _ENTRIES.clear()


def entries() -> list[Hashable]:
    """The keys held, oldest first (for tests and diagnostics)."""
    with _LOCK:
        return list(_ENTRIES)
