"""An HTML template as a PDF, made by WeasyPrint: the Yellow Card report of an event
(events/views.py) and the committee report of an introduction (reports/views.py).

The document's stylesheets and images are the app's static files, read from disk; nothing
else is fetched. Page numbers and the date go in the footer with CSS @page rules, in each
document's print stylesheet.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

# WeasyPrint is imported where it is used: it adds a good part of a second to the start of
# every process (web, worker, each manage.py command), and only the PDFs need it.


def _static_file(url: str) -> Path | None:
    """The file behind a static URL (/assets/...), collected or found by the finders."""
    path = unquote(urlsplit(url).path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
        found = finders.find(name)
    except SuspiciousFileOperation:  # ../ out of the static folders
        return None
    return Path(found) if found else None


def _fetcher():
    """A WeasyPrint URL fetcher that reads the app's static files from disk and fetches
    nothing else: no request back to the server (a worker waiting on itself), and no request
    anywhere that a URL in a document might name."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            found = _static_file(url)
            if found is None:
                raise ValueError(f"Only the app's static files are read: {url}")
            content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=found.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticFetcher()


def render_pdf(template_name: str, context: dict[str, Any], *, base_url: str) -> bytes:
    """The template rendered as a PDF. Its stylesheets and images are static files, read from
    disk (`base_url`, the site's root, resolves their relative URLs); page numbers and the date
    go in the footer with CSS @page rules."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=base_url, url_fetcher=_fetcher()).write_pdf()
