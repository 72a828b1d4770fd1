"""A bare Django project that calibrates the benchmark.

Same gunicorn, same PostgreSQL server, same Redis, same run: only Django's own
default middleware (as ``startproject`` writes it), no project code. Each view is
the smallest honest version of a kind of Tongban page.
"""
