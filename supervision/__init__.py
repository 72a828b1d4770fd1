"""Electronic supervision (电子监察).

A yellow card goes to a running case within ``SUPERVISION_YELLOW_WORKING_DAYS`` working
days of its promised deadline, a red card to one past it (``supervision.issue_cards``,
beat, every 15 minutes); each lands in its department's supervisor queue (the admin's
"监察督办单") with the official who last acted on the case, and both are told through the
outbox. The department explains a card (acknowledge, with a note); a supervisor closes it,
or the system does when the case is decided, concluded, refused or withdrawn. Each
department head gets a weekly digest (``supervision.weekly_digest``, beat, Mondays).

Who is who, the simplest honest model: a department's supervisors are its officials
(``applications.DepartmentOfficial``) holding ``supervision.supervise_department``; its
heads are its officials holding ``supervision.head_of_department``; its officials who
work cases (``applications.process_application``) see and explain its cards. A
permission without the department membership gives nothing; superusers see everything.

Layers: this app sits above ``applications`` and ``complaints`` (the digest counts their
overdue follow-ups and inquiries) and below ``portal``. It reads deadlines the applications
app computed and never computes its own; it reaches into a case's moves only through
``applications.services.after_enter_register``.
"""
