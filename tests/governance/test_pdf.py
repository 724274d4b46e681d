"""The PDFs' fetcher (governance/pdf.py): WeasyPrint reads the app's static files from disk and
nothing else, whatever URL a document names."""

from __future__ import annotations

import pytest

from governance import pdf


def test_the_pdf_reads_the_apps_static_files_from_disk():
    response = pdf._fetcher().fetch("http://testserver/assets/css/yellow-card-print.css")

    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/admin/",
        "https://example.org/tracker.png",
        "file:///etc/passwd",
        "http://testserver/assets/../../etc/passwd",
        "http://testserver/assets/no-such-file.css",
    ],
)
def test_the_pdf_fetches_nothing_but_static_files(url):
    with pytest.raises(ValueError, match="Only the app's static files"):
        pdf._fetcher().fetch(url)
