"""Per-run fixtures inside Tongban's production settings: signed-in sessions, OAuth tokens,
drafts, payment orders with signed notifications, search terms; then one request of each
scenario through Django's test client under ``CaptureQueriesContext`` for its query count.

Writes ``<folder>/scenarios.json`` and one Lua request list per scenario for ``wrk``.
Run as ``python -m bench.prepare <folder> <requests-per-list>`` inside the dataset's environment
(the runner does).
"""

import datetime
import io
import json
import secrets
import sys
import time
import urllib.parse
from pathlib import Path

import django

UPLOAD_BYTES = 1024 * 1024
REPLAY_EVERY = 10  # one notification in ten is a replay of an earlier one


def lua_string(value: str) -> str:
    level = "=" * 3
    if f"]{level}]" in value:
        raise ValueError("value holds the Lua long-bracket terminator")
    return f"[{level}[{value}]{level}]"


def write_lua(path: Path, requests: list[dict]) -> None:
    """``requests``: dicts with method, path, optional headers and body, as a Lua table."""
    lines = ["return {"]
    while len(requests) < 4:  # each of wrk's threads takes its share: never an empty one
        requests = requests * 2
    for request in requests:
        headers = ", ".join(
            f"[ {lua_string(name)} ] = {lua_string(value)}" for name, value in request.get("headers", {}).items()
        )
        body = lua_string(request["body"]) if request.get("body") else "nil"
        lines.append(
            f"  {{method = {lua_string(request['method'])}, path = {lua_string(request['path'])}, "
            f"headers = {{{headers}}}, body = {body}, step = {lua_string(request.get('step', ''))}}},"
        )
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def pdf_of_size(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (its page stream padded with comments)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    content = DecodedStreamObject()
    line = b"% " + b"0123456789abcdef" * 6 + b"\n"
    content.set_data(line * (size // len(line)))
    page[NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def fill_required_answers(draft, resident) -> None:
    """Answer what the draft's form requires and prefill left empty (its first allowed or example
    value, else an address), saved through the service as a resident would."""
    from applications import services

    data = {**draft.form_data}
    schema = draft.service_version.form_schema or {}
    for name in schema.get("required", []):
        spec = schema.get("properties", {}).get(name, {})
        if data.get(name) in ("", None):
            data[name] = (spec.get("enum") or spec.get("examples") or ["广州市天河区体育西路1号"])[0]
    services.application_save_draft(application=draft, data=data, actor=resident)
    draft.refresh_from_db()


def draft_template(draft) -> dict:
    """A draft's columns, to clone it: the same item, answers and prefill, no case number yet."""
    return {
        field.attname: getattr(draft, field.attname)
        for field in draft._meta.concrete_fields
        if field.attname not in ("id", "case_number")
    }


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[str, bytes]:
    boundary = "bench" + secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


class Preparer:
    def __init__(self, folder: Path, size: int):
        from django.conf import settings

        self.folder, self.size = folder, size
        self.cookie_name = settings.SESSION_COOKIE_NAME
        self.scenarios: list[dict] = []

    # --- sign-in ---------------------------------------------------------------------

    def session_cookie(self, user, *, otp_device=None) -> str:
        """A real signed-in session (login signal, session registry), carried by hand:
        the cookie is Secure and the load runs over plain HTTP."""
        from django.test import Client

        from identity.backends import MODEL_BACKEND

        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        key = client.cookies[self.cookie_name].value
        if otp_device is not None:
            from django.conf import settings
            from django.utils.module_loading import import_string
            from django_otp import DEVICE_ID_SESSION_KEY

            store = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key=key)
            store[DEVICE_ID_SESSION_KEY] = otp_device.persistent_id
            store.save()
        return f"{self.cookie_name}={key}"

    def bearer_token(self, user) -> str:
        from django.utils import timezone
        from oauth2_provider.models import get_access_token_model, get_application_model

        application = get_application_model().objects.exclude(user=None).order_by("pk").first() or (
            get_application_model().objects.order_by("pk").first()
        )
        token = get_access_token_model().objects.create(
            user=user,
            application=application,
            token=secrets.token_urlsafe(32),
            expires=timezone.now() + datetime.timedelta(hours=2),
            scope="applications:read applications:write",
        )
        return token.token

    # --- query counts ------------------------------------------------------------------

    def count_queries(self, request: dict, *, expect: tuple[int, ...] = (200,), warm: bool = True) -> int:
        """The queries of ``request`` sent through the test client; a GET twice when ``warm`` (the
        second is counted: caches warm, as under load), once for varied inputs that never repeat."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client()
        extra = {}
        for name, value in request.get("headers", {}).items():
            key = name.upper().replace("-", "_")
            extra[key if key in ("CONTENT_TYPE",) else "HTTP_" + key] = value
        body = request.get("body")
        for _attempt in range(2 if warm and request["method"] == "GET" else 1):
            with CaptureQueriesContext(connection) as queries:
                if request["method"] == "GET":
                    response = client.get(request["path"], **extra)
                else:
                    content_type = extra.pop("CONTENT_TYPE", "application/octet-stream")
                    response = client.generic("POST", request["path"], body or b"", content_type=content_type, **extra)
        if response.status_code not in expect:
            raise SystemExit(
                f"{request['method']} {request['path'][:80]} answered {response.status_code}, "
                f"expected {expect}: {response.content[:600]!r}"
            )
        return len(queries)

    def add(self, name: str, calibration: str, requests: list[dict], *, queries: int, note: str = "", **extra):
        """One scenario. ``single_use=True``: each request's input may be sent once (a search term never
        cached, a draft, an order), so the report flags a run that used them all up and repeated them."""
        lua = self.folder / f"{len(self.scenarios):02d}.lua"
        write_lua(lua, requests)
        self.scenarios.append(
            {
                "name": name,
                "calibration": calibration,
                "lua": str(lua),
                "queries": queries,
                "note": note,
                "requests": len(requests),
                **extra,
            }
        )

    # --- the scenarios ----------------------------------------------------------------

    def run(self) -> None:
        from django.contrib.auth import get_user_model

        User = get_user_model()
        self.residents = list(
            User.objects.filter(username__startswith="15", applications__isnull=False).distinct().order_by("pk")[:200]
        )
        for step in (
            self.anonymous_pages,
            self.search,
            self.my_applications,
            self.api,
            self.admin_queue,
            self.certificate_verification,
            self.payment_notification,
            self.submission,
            self.marketplace,
            self.pension_certification,
        ):
            started = time.monotonic()
            step()
            print(f"    prepared {step.__name__} in {time.monotonic() - started:.1f} s", flush=True)
        (self.folder / "scenarios.json").write_text(json.dumps(self.scenarios, ensure_ascii=False, indent=1))

    def anonymous_pages(self) -> None:
        from services.models import ServiceItem

        home = [{"method": "GET", "path": "/"}]
        self.add("anonymous home (cached)", "hello", home, queries=self.count_queries(home[0]))
        codes = list(
            ServiceItem.objects.filter(published_version__isnull=False)
            .order_by("pk")
            .values_list("code", flat=True)[:20]
        )
        self.codes = codes
        guides = [{"method": "GET", "path": f"/services/{code}/"} for code in codes]
        for guide in guides:  # the page cache is warm, as for a guide anyone has opened before
            self.count_queries(guide)
        self.add("guide page (cached)", "hello", guides, queries=self.count_queries(guides[0]))

    def search(self) -> None:
        """The same searches on every dataset, each filling its first page: terms cut from the names
        of the items both datasets hold (the demo items and the first synthetic ones, which
        ``seed_demo --services`` makes in the same order) that more than a page of those items
        match. Both datasets then render 20 results and a next-page link for every request, and
        large/small compares the same work over more data.

        An earlier list cut terms from each dataset's own names and, once the small catalogue's
        few hundred ran out, asked for pages 2, 3, ... of them: nine small-data searches in ten
        were an empty page or a handful of rows, against full pages on the large catalogue. That
        flattered the small figure and made large/small compare full pages with empty ones.

        Every URL is new (``&n=``, which the page ignores), so none is answered from the page
        cache; the terms repeat every hundred or so requests."""
        import random

        from django.db import connection
        from django.db.models import Q

        from bench.environment import SMALL
        from portal.views import SEARCH_PAGE_SIZE
        from services import search
        from services.demo import SYNTHETIC_PREFIX
        from services.models import ServiceItem
        from services.selectors import catalogue_search, synonym_groups

        shared = ServiceItem.objects.filter(
            ~Q(code__startswith=SYNTHETIC_PREFIX) | Q(code__lte=f"{SYNTHETIC_PREFIX}{SMALL.items:06d}"),
            published_version__isnull=False,
        )
        candidates: dict[str, str] = {}
        groups = synonym_groups()
        for name in shared.order_by("code").values_list("name", flat=True):
            for width in range(2, 7):
                for start in range(len(name) - width + 1):
                    term = name[start : start + width]
                    if term not in candidates and (variants := search.variant_words(term, groups)):
                        candidates[term] = search.variants_tsquery(variants)
        # How many of the shared items each term matches, in one statement: asking the search
        # itself for each of 3,000 candidates took 40-80 s on the large catalogue.
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH shared AS MATERIALIZED (SELECT search_vector FROM services_serviceitem WHERE id = ANY(%s)) "
                "SELECT term, (SELECT count(*) FROM shared "
                "WHERE search_vector @@ to_tsquery('simple'::regconfig, tsq)) "
                "FROM unnest(%s::text[], %s::text[]) AS candidate(term, tsq)",
                [list(shared.values_list("pk", flat=True)), list(candidates), list(candidates.values())],
            )
            matches = dict(cursor.fetchall())
        # The search itself has the last word: its first page is full and another follows.
        terms = [
            term
            for term in candidates
            if matches[term] > SEARCH_PAGE_SIZE and catalogue_search(query=term, page_size=SEARCH_PAGE_SIZE).has_next
        ]
        if len(terms) < 20:
            raise SystemExit(f"only {len(terms)} search terms fill a page of the shared items; is the dataset built?")
        random.Random(20261201).shuffle(terms)  # noqa: S311 - an order, not a secret
        requests = [
            {"method": "GET", "path": f"/search/?q={urllib.parse.quote(terms[number % len(terms)])}&n={number}"}
            for number in range(self.size)
        ]
        self.add(
            "search, uncached, a full first page",
            "page",
            requests,
            queries=self.count_queries(requests[1], warm=False),
            note=f"{len(terms)} terms, each filling page 1; every URL new",
            single_use=True,
        )

    def my_applications(self) -> None:
        requests = [
            {"method": "GET", "path": "/my/applications/", "headers": {"Cookie": self.session_cookie(user)}}
            for user in self.residents[:32]
        ]
        self.add("signed-in resident 我的办件", "page", requests, queries=self.count_queries(requests[0]))

    def api(self) -> None:
        from django.test import Client

        client = Client()
        requests = []
        path = "/api/v1/services/?page_size=50"
        while path and len(requests) < 40:
            requests.append({"method": "GET", "path": path})
            answer = client.get(path).json()
            path = answer.get("next") or ""
            if path:
                parsed = urllib.parse.urlparse(path)
                path = f"{parsed.path}?{parsed.query}"
        self.add(
            "API services list, 50 per page",
            "drf",
            requests,
            queries=self.count_queries(requests[0]),
            note=f"{len(requests)} cursor pages",
        )
        details = [{"method": "GET", "path": f"/api/v1/services/{code}/"} for code in self.codes]
        self.add("API service detail", "drf", details, queries=self.count_queries(details[0]))

    def admin_queue(self) -> None:
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from applications.models import DepartmentOfficial

        official = get_user_model().objects.get(username="official-amr")
        device = TOTPDevice.objects.filter(user=official, confirmed=True).first()
        department = DepartmentOfficial.objects.filter(user=official).values_list("department_id", flat=True).first()
        cookie = self.session_cookie(official, otp_device=device)
        # Statuses whose list fills a whole page in this dataset, so both datasets render the same
        # number of rows (the small one has 33-75 cases per department and status: comparing its
        # short pages with the large one's full pages measured rows, not data size).
        from django.db.models import Count

        from applications.admin import ApplicationAdmin
        from applications.models import Application

        working = ("submitted", "accepted", "in_review", "supplement_requested")
        counts = dict(
            Application.objects.filter(department_id=department, status__in=working)
            .values_list("status")
            .annotate(cases=Count("pk"))
        )
        statuses = [status for status in working if counts.get(status, 0) >= ApplicationAdmin.list_per_page]
        requests = [
            {
                "method": "GET",
                "path": f"/admin/applications/application/?department={department}&status__exact={status}",
                "headers": {"Cookie": cookie},
            }
            for status in statuses or working
        ]
        self.add(
            "official's admin queue (department, status)", "page", requests, queries=self.count_queries(requests[0])
        )

    def certificate_verification(self) -> None:
        from certificates.models import Certificate

        certificates = list(Certificate.objects.order_by("pk")[:50])
        requests = [{"method": "GET", "path": f"/certificates/verify/{c.token}/"} for c in certificates]
        self.add(
            "certificate verification",
            "one-query",
            requests,
            queries=self.count_queries(requests[0]),
            note=f"{len(requests)} certificates",
        )

    def payment_notification(self) -> None:
        from django.conf import settings
        from django.utils import timezone

        from payments.contrib.sandbox.models import SandboxTrade
        from payments.contrib.sandbox.services import notification_params
        from payments.models import PaymentOrder

        resident = self.residents[0]
        stamp = secrets.token_hex(4)
        now = timezone.now()
        orders = PaymentOrder.objects.bulk_create(
            PaymentOrder(
                out_trade_no=f"BENCH{stamp}{number:08d}",
                user=resident,
                subject="基准测试 工本费",
                amount_fen=12000,
                gateway="alipay",
                expires_at=now + datetime.timedelta(hours=2),
            )
            for number in range(self.size + 1)
        )
        # Each body is what the sandbox gateway posts for a paid trade (signed with its Alipay key);
        # the trades themselves are not stored.
        bodies = [
            urllib.parse.urlencode(
                notification_params(
                    SandboxTrade(
                        app_id=settings.PAYMENTS_ALIPAY["APP_ID"],
                        trade_no="2026" + secrets.token_hex(10),
                        out_trade_no=order.out_trade_no,
                        subject=order.subject,
                        total_fen=order.amount_fen,
                        status="TRADE_SUCCESS",
                        paid_at=now,
                    )
                )
            )
            for order in orders
        ]
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        first = {"method": "POST", "path": "/payments/notify/alipay/", "headers": headers, "body": bodies.pop()}
        queries = self.count_queries(first)
        replay = self.count_queries(first)
        requests = []
        for number, body in enumerate(bodies):
            requests.append({"method": "POST", "path": "/payments/notify/alipay/", "headers": headers, "body": body})
            if number % REPLAY_EVERY == REPLAY_EVERY - 1:
                # A replay of a notification sent a few requests before (the gateway retrying).
                requests.append({**requests[-5], "step": "replay"})
        self.add(
            "signed payment notification, 10% replays",
            "one-query",
            requests,
            queries=queries,
            note=f"replay {replay} queries; {len(bodies)} orders",
            replay_queries=replay,
            single_use=True,
        )

    def submission(self) -> None:
        """Upload a 1 MB PDF to a prepared draft, then submit it (two requests per submission)."""
        from applications import services
        from applications.models import Application
        from services.constants import Audience
        from services.models import ServiceItem

        resident = self.residents[1]
        item = None
        for candidate in ServiceItem.objects.filter(
            published_version__isnull=False, audience=Audience.RESIDENT
        ).order_by("pk"):
            draft = services.application_start(applicant=resident, item_code=candidate.code)
            requirements = [r for r in services.application_requirements(draft) if r.mandatory]
            if len(requirements) == 1:
                item, requirement = candidate, requirements[0]
                break
            draft.delete()
        if item is None:
            raise SystemExit("no published demo item with exactly one mandatory material")
        try:
            fill_required_answers(draft, resident)
        except Exception as exc:
            print(f"    draft data: {exc}")
        template = draft_template(draft)
        drafts = Application.objects.bulk_create(Application(**template) for _ in range(self.size // 2 + 2))
        token = self.bearer_token(resident)
        content_type, body = multipart(
            {"requirement": str(requirement.pk)}, "file", "营业执照.pdf", pdf_of_size(UPLOAD_BYTES)
        )
        auth = {"Authorization": f"Bearer {token}"}

        def upload(pk):
            return {
                "method": "POST",
                "path": f"/api/v1/applications/drafts/{pk}/materials/",
                "headers": {**auth, "Content-Type": content_type},
                "body": "@upload",
                "step": "upload",
            }

        def submit(pk):
            return {
                "method": "POST",
                "path": f"/api/v1/applications/drafts/{pk}/submit/",
                "headers": auth,
                "step": "submit",
            }

        upload_queries = self.count_queries({**upload(drafts[0].pk), "body": body}, expect=(201,))
        submit_queries = self.count_queries(submit(drafts[0].pk))
        (self.folder / "upload.bin").write_bytes(body)
        self.add(
            "application submission, 1 MB PDF",
            "upload",
            [upload(draft.pk) for draft in drafts[1:]],
            queries=upload_queries + submit_queries,
            note=f"upload {upload_queries} + submit {submit_queries} queries; item {item.code}",
            # Each wrk thread keeps 16 requests in flight: 96 requests later, its upload (p99 under
            # 1 s) has long been answered.
            submit_lag=96,
            upload_file=str(self.folder / "upload.bin"),
            upload_bytes=len(body),
            single_use=True,
        )

    def marketplace(self) -> None:
        """The intermediary marketplace's public reads: the directory (each service type's
        filter), the project pages, and the public API's two lists."""
        from marketplace.models import Posting, ServiceType

        pages = [{"method": "GET", "path": "/marketplace/agencies/"}] + [
            {"method": "GET", "path": f"/marketplace/agencies/?type={code}"}
            for code in ServiceType.objects.order_by("code").values_list("code", flat=True)
        ]
        pages += [
            {"method": "GET", "path": f"/marketplace/postings/{reference}/"}
            for reference in Posting.objects.exclude(published_at=None)
            .order_by("pk")
            .values_list("reference", flat=True)[:20]
        ]
        self.add(
            "marketplace directory and project pages",
            "page",
            pages,
            queries=max(self.count_queries(page) for page in pages),
            note=f"{len(pages)} pages; queries: the most of any",
        )
        api = [
            {"method": "GET", "path": "/api/v1/marketplace/agencies/"},
            {"method": "GET", "path": "/api/v1/marketplace/postings/"},
        ]
        self.add(
            "API marketplace agencies and postings",
            "drf",
            api,
            queries=max(self.count_queries(request) for request in api),
        )

    def pension_certification(self) -> None:
        """资格认证: the page a pensioner, or the family member acting for one, opens during a
        campaign (the demo resident and their father)."""
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(username__in=["13800138000", "13800138060"]).order_by("username")
        requests = [
            {"method": "GET", "path": "/my/benefits/", "headers": {"Cookie": self.session_cookie(user)}}
            for user in users
        ]
        self.add(
            "signed-in pensioner or family agent 资格认证",
            "page",
            requests,
            queries=max(self.count_queries(request) for request in requests),
        )


def main() -> None:
    folder, size = Path(sys.argv[1]), int(sys.argv[2])
    django.setup()
    folder.mkdir(parents=True, exist_ok=True)
    Preparer(folder, size).run()


if __name__ == "__main__":
    main()
