# Audit rows younger than this are never deleted: the database refuses (audit/triggers.py).
# The Cybersecurity Law, art. 21, asks for at least six months of network logs. Changing it
# needs a migration that re-installs the triggers.
MIN_RETENTION_DAYS = 180
