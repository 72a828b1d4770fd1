"""Password hashing: Argon2id with OWASP's minimum parameters.

Django's ``Argon2PasswordHasher`` defaults to 100 MiB and 8 lanes, which makes a
sign-in cost far more than a second of CPU on a small web node and lets a few
parallel sign-ins exhaust its memory. OWASP's Password Storage Cheat Sheet gives
Argon2id with m=19 MiB, t=2, p=1 as the minimum configuration; that takes tens
of milliseconds here. The algorithm name stays ``argon2``, so hashes are the
standard PHC strings; ``must_update`` compares the stored parameters with these,
so hashes made with other parameters (or by PBKDF2) are upgraded at the next
sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
