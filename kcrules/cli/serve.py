"""``kcrules serve``: the JSON API and the web form over HTTP (needs the ``web`` extra).

Binds to 127.0.0.1 unless told otherwise. Rulebooks are loaded once, at start;
with ``--workers N`` each worker process loads its own (decisions are pure, so
the service scales out by adding processes).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any

from kcrules.cli import EXIT_OK, EXIT_USAGE
from kcrules.text.i18n import Catalogue

#: How ``--rulebook`` reaches worker processes, which uvicorn starts from an import string.
RULEBOOKS_ENV = "KCRULES_SERVE_RULEBOOKS"


WORDS = Catalogue("cli.serve", {
    "needs_web": {"vi": "kcrules serve cần phần cài thêm web (thiếu {name}). Hãy cài bằng:\n"
                        "    pip install 'kcrules[web]'",
                  "en": "kcrules serve needs the web extra ({name} is missing). Install it with:\n"
                        "    pip install 'kcrules[web]'"},
    "port": {"vi": "--port {port} không phải một cổng: hãy cho 1–65535",
             "en": "--port {port} is not a port: give 1–65535"},
    "workers": {"vi": "--workers {workers}: hãy cho 1 hoặc nhiều hơn", "en": "--workers {workers}: give 1 or more"},
    "serving": {"vi": "kcrules: đang phục vụ {rulebooks} tại {url} (API: /v1, tài liệu: /v1/docs); Ctrl-C để dừng",
                "en": "kcrules: serving {rulebooks} at {url} (API: /v1, documentation: /v1/docs); Ctrl-C stops"},
    "listen": {"vi": "không lắng nghe được trên {address}: {reason}", "en": "cannot listen on {address}: {reason}"},
})


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the JSON API and the web form over HTTP",
        description="Serve the JSON API (/v1, interactive documentation at /v1/docs) and the web form (/) "
                    "for the given rulebooks. Needs: pip install 'kcrules[web]'.",
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; put a reverse proxy in "
                        "front rather than listening on every address)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--rulebook", metavar="ID_OR_PATH", action="append", default=None, dest="rulebooks",
                   help="bundled rulebook id or rulebook folder to serve; repeat for several (default "
                        "hanoi-2016-2020); the first is the form's default")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--engine", choices=("durable", "native"), default="durable", help=argparse.SUPPRESS)
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                   help="how much the server logs (default info)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kcrules.cli.words import say

    lang = args.lang

    def fail(message: str) -> int:
        print(say("error", lang, message=message), file=sys.stderr)
        return EXIT_USAGE

    try:
        import uvicorn

        from kcrules.web import create_app
    except ImportError as err:
        return fail(WORDS("needs_web", lang, name=err.name or err))
    if not 0 < args.port < 65536:
        return fail(WORDS("port", lang, port=args.port))
    if args.workers < 1:
        return fail(WORDS("workers", lang, workers=args.workers))
    rulebooks = args.rulebooks or ["hanoi-2016-2020"]
    # Load here, so a wrong --rulebook is one clear error before anything listens.
    app = create_app(rulebooks, engine=args.engine)
    print(WORDS("serving", lang, rulebooks=", ".join(rulebooks), url=f"http://{_shown(args.host)}:{args.port}/"),
          file=sys.stderr)
    if args.workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, server_header=False)
    else:
        os.environ[RULEBOOKS_ENV] = "\n".join([args.engine, *rulebooks])
        config = uvicorn.Config("kcrules.cli.serve:app_from_environment", factory=True, host=args.host,
                                port=args.port, workers=args.workers, log_level=args.log_level,
                                server_header=False)
        try:
            sock = listening_socket(args.host, args.port)
        except OSError as err:
            from kcrules.errors import os_reason

            return fail(WORDS("listen", lang, address=f"{_shown(args.host)}:{args.port}",
                              reason=os_reason(err).text(lang)))
        _supervise(config, sock)
    return EXIT_OK


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket the worker processes share.

    Made here, not by uvicorn, to name its protocol: asyncio turns Nagle's
    algorithm off (TCP_NODELAY) only on connections accepted from a socket that
    says it is TCP, and uvicorn's own shared socket does not say so, which holds
    every keep-alive response back by the peer's delayed ACK (~40 ms on Linux).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _supervise(config: Any, sock: socket.socket) -> None:
    """Run the worker processes on ``sock`` with uvicorn's supervisor (whose signature changed in 0.36)."""
    import inspect

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if "target" in inspect.signature(Multiprocess).parameters:
        supervisor = Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock])
    else:
        supervisor = Multiprocess(config, sockets=[sock])
    try:
        supervisor.run()
    except KeyboardInterrupt:
        pass


def app_from_environment() -> Any:
    """The app of one worker process, from what ``kcrules serve`` put in the environment."""
    from kcrules.web import create_app

    engine, *rulebooks = os.environ[RULEBOOKS_ENV].split("\n")
    return create_app(rulebooks, engine=engine)


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
