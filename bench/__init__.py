"""``make bench``: Tongban measured side by side with a bare Django app.

Run with ``python -m bench`` from the project folder (``make bench``). See
``docs/performance.md`` for the method and the latest figures.
"""
