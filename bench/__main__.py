"""``make bench``: see ``bench/__init__.py`` and ``docs/performance.md``."""

from bench.run import main

main()
