"""Modules loaded on first use rather than at import, to keep the mock's cold start short."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in sys.modules for a module not run yet; the first attribute looked up imports the real one."""

    def __getattr__(self, attr):
        name = self.__name__
        with _lock:
            real = sys.modules.get(name)
            if real is None or real is self:
                sys.modules.pop(name, None)
                try:
                    real = importlib.import_module(name)
                except BaseException:
                    sys.modules.setdefault(name, self)
                    raise
        return getattr(real, attr)


def lazy_module(name: str) -> None:
    """Make `import name` (if installed and not imported yet) return at once; the module runs at first use.

    (importlib.util.LazyLoader does not help on Python 3.11: the import statement itself touches the module.)
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return  # not installed: whoever imports it gets the usual ImportError
    stub = _Deferred(name)
    stub.__spec__ = None  # the import system then treats it as an ordinary, finished module
    sys.modules[name] = stub
