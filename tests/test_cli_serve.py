"""``kcrules serve``: starts, answers, refuses bad options with one clear message."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kcrules import cli
from kcrules.cli.serve import listening_socket

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_several_workers_answers_decisions() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kcrules.cli", "serve", "--port", str(port), "--workers", "2",
                               "--log-level", "warning"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(600):  # started within a minute, on the slowest machine
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/ready", timeout=5) as r:
                    ready = json.load(r)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, "kcrules serve stopped"
                time.sleep(0.1)
        else:
            pytest.fail("kcrules serve --workers 2 did not become ready")
        assert ready["status"] == "ready"
        body = (ROOT / "examples" / "machinery-gia-lam.json").read_bytes()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/rulebooks/hanoi-2016-2020/decisions",
                                         data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert json.load(r)["support"]["amount_vnd"] == 200_000_000
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=60)


def test_the_shared_socket_says_it_is_tcp_so_connections_get_no_delay() -> None:
    sock = listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.get_inheritable()
    finally:
        sock.close()


@pytest.mark.parametrize("argv,says", [
    (["--rulebook", "hanoi-2016-2021"], "did you mean 'hanoi-2016-2020'"),
    (["--port", "70000"], "--port 70000 is not a port"),
    (["--workers", "0"], "--workers 0"),
])
def test_bad_options_are_one_clear_message(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    assert cli.main(["serve", *argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert says in err.lower() and "Traceback" not in err


@pytest.mark.parametrize("argv,says", [
    (["--rulebook", "hanoi-2016-2021"], "có phải ý bạn là 'hanoi-2016-2020'"),
    (["--port", "70000"], "kcrules: lỗi: --port 70000 không phải một cổng"),
    (["--workers", "0"], "kcrules: lỗi: --workers 0: hãy cho 1 hoặc nhiều hơn"),
])
def test_bad_options_in_vietnamese(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    assert cli.main(["serve", *argv, "--lang", "vi"]) == 2
    err = capsys.readouterr().err
    assert says in err.lower() and "Traceback" not in err
