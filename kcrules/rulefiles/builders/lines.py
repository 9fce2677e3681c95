"""Where each key of a TOML rule file is: the line a problem names.

Takes the text of a rule file that parsed as TOML; gives :class:`KeyLines`, the
line of every key, table header and array element, looked up by the dotted path a
problem shows (``parameters.budget.values[0].from``). A path not written in the
file (a missing key) is found at the nearest table that is: the line to add it.
Also :func:`too_deep`, the line where arrays or inline tables nest beyond a
limit, checked before the file is parsed (the TOML reader recurses per level).
The scan is one pass over the characters, without recursion.
"""

from __future__ import annotations

import json
import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


def display(path: list[str | int]) -> str:
    """A path as problems show it: keys joined by dots, array indexes in brackets."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class KeyLines:
    """The line of each path of one TOML text."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        try:
            _Scan(text, self.lines).run()
        except (IndexError, ValueError):  # text the scan does not follow: keep what was found
            pass

    def find(self, path: str) -> int | None:
        """The line of ``path``, or of the nearest enclosing path written in the file."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


class _Scan:
    """One pass over a TOML text, noting the line of each path (a state machine, no recursion)."""

    def __init__(self, text: str, lines: dict[str, int]) -> None:
        self.text, self.lines = text, lines
        self.i, self.line = 0, 1
        self.table: list[str | int] = []
        self.arrays: dict[str, int] = {}  # [[header]] path -> index of the last element
        self.stack: list[list[object]] = []  # open values: [kind ("array" | "inline"), path, index]

    def note(self, path: list[str | int], every_prefix: bool = False) -> None:
        if not every_prefix:
            self.lines.setdefault(display(path), self.line)
            return
        shown = ""
        for part in path:  # each prefix in turn, built on the one before
            shown += f"[{part}]" if isinstance(part, int) else (f".{part}" if shown else part)
            self.lines.setdefault(shown, self.line)

    def run(self) -> None:
        mode = "line"
        value: list[str | int] = []
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "\n":
                self.line += 1
                self.i += 1
                if not self.stack:
                    mode = "line"
            elif c in " \t\r":
                self.i += 1
            elif c == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end == -1 else end
            elif mode == "line":
                mode, value = self.line_start(c)
            elif mode == "key":
                mode, value = self.inline_key(c)
            elif mode == "value":
                mode = self.value_start(c, value)
            else:
                mode, value = self.after_value(c)

    def line_start(self, c: str) -> tuple[str, list[str | int]]:
        if c == "[":
            self.header()
            return "after", []
        keys = self.keys("=")
        path = self.table + keys
        self.note(path, every_prefix=True)
        return "value", path

    def header(self) -> None:
        double = self.text.startswith("[[", self.i)
        self.i += 2 if double else 1
        path: list[str | int] = list(self.keys("]"))
        self.i += 1 if double else 0
        self.note(path, every_prefix=True)
        if double:
            index = self.arrays.get(display(path), -1) + 1
            self.arrays[display(path)] = index
            path.append(index)
            self.note(path)
        self.table = path

    def inline_key(self, c: str) -> tuple[str, list[str | int]]:
        if c == "}":
            self.i += 1
            self.stack.pop()
            return "after", []
        top = self.stack[-1]
        path = list(top[1]) + self.keys("=")  # type: ignore[call-overload]
        self.note(path, every_prefix=True)
        return "value", path

    def value_start(self, c: str, path: list[str | int]) -> str:
        if self.stack and self.stack[-1][0] == "array":
            if c == "]":
                self.i += 1
                self.stack.pop()
                return "after"
            top = self.stack[-1]
            path = list(top[1]) + [top[2]]  # type: ignore[call-overload]
            self.note(path)
        if c in "\"'":
            self.string()
            return "after"
        self.i += 1
        if c == "[":
            self.stack.append(["array", path, 0])
            return "value"
        if c == "{":
            self.stack.append(["inline", path, 0])
            return "key"
        m = _SCALAR_END.search(self.text, self.i)
        self.i = m.start() if m else len(self.text)
        return "after"

    def after_value(self, c: str) -> tuple[str, list[str | int]]:
        self.i += 1
        if not self.stack:
            return "after", []
        top = self.stack[-1]
        if c == "," and top[0] == "array":
            top[2] += 1  # type: ignore[operator]
            return "value", []
        if c == ",":
            return "key", []
        if c in "]}":
            self.stack.pop()
        return "after", []

    def keys(self, stop: str) -> list[str]:
        """A dotted key ending at ``stop`` (which is consumed)."""
        keys: list[str] = []
        while True:
            c = self.text[self.i]
            if c in " \t.":
                self.i += 1
            elif c == stop:
                self.i += 1
                return keys
            elif c in "\"'":
                start = self.i
                self.string()
                quoted = self.text[start:self.i]
                keys.append(json.loads(quoted) if c == '"' else quoted[1:-1])
            else:
                m = _BARE.match(self.text, self.i)
                if not m:
                    raise ValueError(f"not a key at {self.i}")
                keys.append(m.group())
                self.i = m.end()

    def string(self) -> None:
        """Skip a string (basic, literal, or either on several lines), counting its lines."""
        m = _STRING_AT.match(self.text, self.i)
        if m is None:
            raise ValueError(f"not a string at {self.i}")
        self.line += self.text.count("\n", self.i, m.end())
        self.i = m.end()


#: How deep arrays and inline tables may nest in a rule file (the rules need three or four).
MAX_NESTING = 50


def too_deep(text: str, limit: int = MAX_NESTING) -> int | None:
    """The line where arrays and inline tables first nest deeper than ``limit``, if they do."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        c = m.group(1)
        if c is None:  # a string or a comment
            continue
        if c in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, m.start()) + 1
        else:
            depth = max(depth - 1, 0)
    return None


_STRING = r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''
_BRACKETS = re.compile(_STRING + r"|#[^\n]*|([\[\]{}])", re.S)
_STRING_AT = re.compile(_STRING, re.S)
