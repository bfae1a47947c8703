"""The review endpoints of ``sitegen serve`` over real HTTP: who may read the queue, who
may write a judgement, and what a write can touch."""
from __future__ import annotations

import http.client
import json
import re
import threading

import pytest

from sitegen.preview.devserver import PreviewServer
from sitegen.preview.review_guard import Guard
from sitegen.preview.serve import Preview, review_endpoints

STORIES = {
    "a": "Western Digital Corp said on Monday that its profit rose. The company sells disk drives to Apple Inc.",
    "b": "Shares of Western Digtial Corp rose sharply after the results, analysts at Merrill Lynch said.",
}


class Review:
    def __init__(self, site, nlp) -> None:
        self.site = site
        self.preview = Preview(site.root, offline=True, nlp_loader=lambda: nlp, say=lambda message: None)
        self.preview.rebuild()
        self.server = PreviewServer(("127.0.0.1", 0), self.preview.output, self.preview.status, True)
        self.server.review = review_endpoints(self.preview, self.server, wait_seconds=0)  # no watcher here
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def request(self, method: str, path: str, body=None, **headers) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
            conn.request(method, path, body=data, headers={k.replace("_", "-"): v for k, v in headers.items()})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    @property
    def token(self) -> str:
        return self.server.review.guard.token

    def post(self, path: str, body, **headers) -> tuple[int, dict]:
        defaults = {"Origin": self.origin, "X_Sitegen_Token": self.token, "Content_Type": "application/json"}
        status, data = self.request("POST", path, body, **{**defaults, **headers})
        return status, json.loads(data)

    def entity_id(self, name: str) -> str:
        return next(e.id for e in self.preview.site.entities if e.name == name)


@pytest.fixture
def review(make_site, nlp):
    site = make_site()
    for name, body in STORIES.items():
        site.add_article(name, title=f"Story {name}", date="2025-03-0" + ("1" if name == "a" else "2"), body=body)
    running = Review(site, nlp)
    yield running
    running.preview.exports.stop()
    running.preview.search.stop()
    running.server.shutdown()
    running.server.server_close()


def _no_judgement_written(review) -> bool:
    return not review.site.entities_dir.exists() or not list(review.site.entities_dir.rglob("*"))


def test_the_review_page_lists_the_queue_with_the_token(review):
    status, html = review.request("GET", "/_review/")
    assert status == 200
    assert b"Western Digtial Corp" in html and b"Same: make one page" in html
    assert review.token.encode() in html
    status, data = review.request("GET", "/_review/suggestions.json")
    assert status == 200 and json.loads(data)["suggestions"][0]["kind"] == "same"


def test_pages_sent_to_this_machine_get_the_review_script(review):
    dossier = review.entity_id("Western Digital Corp") + "/"
    status, html = review.request("GET", "/" + dossier)
    assert status == 200 and b"/_review/review.js" in html and review.token.encode() in html
    assert b"_review" not in (review.preview.output / dossier / "index.html").read_bytes()


def test_accept_writes_the_judgement_and_undo_takes_it_back(review):
    status, data = review.request("GET", "/_review/suggestions.json")
    proposal = json.loads(data)["suggestions"][0]["accept"]
    status, answer = review.post("/_review/act", {"action": "accept", "accept": proposal})
    assert status == 200 and answer["ok"] and answer["file"].startswith("content/entities/")
    written = review.site.root / answer["file"]
    assert "same_as: [Western Digtial Corp]" in written.read_text()
    review.preview.rebuild()
    assert [e.name for e in review.preview.site.entities if e.name.startswith("Western")] == ["Western Digital Corp"]
    status, answer = review.post("/_review/undo", {})
    assert status == 200 and not written.exists() and answer["can_undo"] is False


@pytest.mark.parametrize("headers, why", [
    ({"X_Sitegen_Token": "guessed"}, "token"),
    ({"X_Sitegen_Token": ""}, "token"),
    ({"Origin": "http://evil.example"}, "Origin"),
    ({"Origin": "null"}, "Origin"),
    ({"Sec_Fetch_Site": "cross-site"}, "Sec-Fetch-Site"),
    ({"Content_Type": "text/plain"}, "JSON"),
    ({"Host": "evil.example:80", "Origin": "http://evil.example:80"}, "address"),
])
def test_a_write_without_every_proof_is_refused(review, headers, why):
    body = {"action": "ignore", "entity": review.entity_id("Apple Inc.")}
    status, answer = review.post("/_review/act", body, **headers)
    assert status == 403 and why in answer["error"]
    assert _no_judgement_written(review)


def test_a_write_with_no_origin_is_refused(review):
    status, data = review.request("POST", "/_review/act", {"action": "ignore", "entity": "x"},
                                  X_Sitegen_Token=review.token, Content_Type="application/json")
    assert status == 403 and b"Origin" in data


def test_a_rebinding_host_gets_neither_the_page_nor_the_token(review):
    status, data = review.request("GET", "/_review/", Host=f"evil.example:{review.port}")
    assert status == 403 and review.token.encode() not in data
    dossier = "/" + review.entity_id("Western Digital Corp") + "/"
    status, html = review.request("GET", dossier, Host=f"evil.example:{review.port}")
    assert status == 200 and review.token.encode() not in html and b"_review" not in html


def test_the_write_endpoints_take_post_only(review):
    for path in ("/_review/act", "/_review/undo"):
        status, _ = review.request("GET", path)
        assert status == 405
    status, _ = review.request("POST", "/index.html", b"{}", Content_Type="application/json")
    assert status == 405


def test_no_request_can_write_outside_content_entities(review):
    entity = review.entity_id("Apple Inc.")
    for body in ({"action": "rename", "entity": entity, "value": "../../../escaped", "file": "../../x.md",
                  "path": "/tmp/x.md"},
                 {"action": "same", "entity": entity, "value": "../../sitegen.toml"}):
        status, answer = review.post("/_review/act", body)
        assert status == 200, answer
        assert re.fullmatch(r"content/entities/[a-z0-9-]+\.md", answer["file"])
    files = sorted(p.relative_to(review.site.root).as_posix() for p in review.site.root.rglob("*")
                   if p.is_file() and not p.relative_to(review.site.root).as_posix().startswith(("output/", ".sitegen/")))
    assert [f for f in files if not f.startswith("content/articles/")] == ["content/entities/apple-inc.md"]


def test_bad_requests_get_a_reason_and_write_nothing(review):
    status, answer = review.post("/_review/act", {"action": "type", "entity": review.entity_id("Apple Inc."),
                                                  "value": "planet"})
    assert status == 400 and "type must be" in answer["error"]
    status, answer = review.post("/_review/act", {"action": "ignore", "entity": "people/nobody"})
    assert status == 400 and "no longer" in answer["error"]
    status, answer = review.post("/_review/act", b"[1, 2", X_Sitegen_Token=review.token)
    assert status == 400 and "JSON" in answer["error"]
    status, answer = review.post("/_review/undo", {})
    assert status == 400 and "nothing to undo" in answer["error"]
    assert _no_judgement_written(review)


def test_the_review_is_refused_when_the_preview_listens_beyond_this_machine():
    guard = Guard("0.0.0.0", 8000)
    headers = {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000", "X-Sitegen-Token": guard.token,
               "Content-Type": "application/json", "Content-Length": "2"}
    assert "this machine" in guard.refuse_write(headers)
    assert not guard.trusted_host(headers)
    assert Guard("127.0.0.1", 8000, "t").refuse_write({**headers, "X-Sitegen-Token": "t"}) is None
    assert Guard("::1", 8000).listening_locally and Guard("localhost", 8000).listening_locally
