"""kcrules over HTTP: a JSON API for other systems (``/v1``) and a web form for officials (``/``).

Needs the ``web`` extra (``pip install 'kcrules[web]'``): FastAPI on uvicorn.
``import kcrules`` never imports this package; ``kcrules serve`` and
:func:`create_app` do. See docs/web.md.
"""

from __future__ import annotations

try:
    import fastapi  # noqa: F401
    import jinja2  # noqa: F401
except ImportError as err:  # the one message a user needs, instead of a traceback from deep inside
    raise ImportError(
        f"kcrules.web needs the web extra ({err.name} is missing). Install it with:\n"
        "    pip install 'kcrules[web]'", name=err.name) from None

from kcrules.web.app import create_app
from kcrules.web.service import Limits

__all__ = ["Limits", "create_app"]
