"""``python -m kcrules.cli``: the same as the ``kcrules`` command."""

from kcrules.cli import main

raise SystemExit(main())
