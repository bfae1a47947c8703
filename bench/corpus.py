"""The benchmark corpus: N distinct news articles made of real sentences.

The source documents are read at run time from the evaluation corpora (they are never
copied into the repository): the 216 documents of CoNLL-2003 ``testa`` and the 128 of
Reuters-128. Each article joins two or three of these documents, chosen so that no two
articles have the same text, and carries its number in its title. Bodies are written as
Markdown with every markup character escaped, so the plain text sitegen hands to NER is
exactly the text the raw spaCy baseline reads.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

# The evaluation corpora sit beside the repository: ../shared/eval/dev.
EVAL_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev"
CONLL_FILE = "conll2003-eng.testa"
REUTERS_FILE = "reuters-128.benchmark.jsonl"

# sitegen separates the blocks (paragraphs) of a body's plain text with a blank line.
PARAGRAPH_SEPARATOR = "\n\n"
SENTENCES_PER_PARAGRAPH = 2
TITLE_MAX = 90
FIRST_DATE = dt.date(2023, 1, 2)
ARTICLES_PER_DAY = 3


@dataclass(frozen=True)
class Document:
    source: str  # e.g. "conll2003-eng.testa#12"
    headline: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    number: int  # 1-based
    title: str
    date: dt.date
    text: str  # plain text: paragraphs separated by a blank line
    sources: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return f"{self.number:04d}.md"

    def markdown(self) -> str:
        body = PARAGRAPH_SEPARATOR.join(markdown_escape(p) for p in self.text.split(PARAGRAPH_SEPARATOR))
        # A JSON string is a valid YAML double-quoted scalar.
        return f"---\ntitle: {json.dumps(self.title)}\ndate: {self.date.isoformat()}\n---\n\n{body}\n"


# ---- reading the corpora -----------------------------------------------------------

def read_conll(path: Path) -> list[Document]:
    """Documents of a CoNLL-2003 file: sentences rebuilt by joining tokens with spaces."""
    docs: list[list[str]] = []
    sentence: list[str] = []

    def end_sentence() -> None:
        if sentence:
            if not docs:  # text before the first -DOCSTART-
                docs.append([])
            docs[-1].append(" ".join(sentence))
            sentence.clear()

    with path.open(encoding="utf-8") as lines:
        for line in lines:
            fields = line.split()
            if not fields:
                end_sentence()
            elif fields[0] == "-DOCSTART-":
                end_sentence()
                docs.append([])
            else:
                sentence.append(fields[0])
    end_sentence()
    out = []
    for i, sentences in enumerate(d for d in docs if d):
        # The headline on its own, then the dateline ("LONDON 1996-08-30") opens the
        # first paragraph, as in the wire copy.
        rest = sentences[1:]
        paragraphs = (sentences[0],) + tuple(" ".join(rest[j : j + SENTENCES_PER_PARAGRAPH])
                                             for j in range(0, len(rest), SENTENCES_PER_PARAGRAPH))
        out.append(Document(f"{path.name}#{i}", sentences[0], paragraphs))
    return out


def read_reuters(path: Path) -> list[Document]:
    """Documents of Reuters-128: one JSON object per line, the article in "text"."""
    out = []
    with path.open(encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            text = " ".join(json.loads(line)["text"].split())
            if text:
                out.append(Document(f"{path.name}#{i}", _first_sentence(text), (text,)))
    return out


def read_documents(eval_dir: Path = EVAL_DIR) -> list[Document]:
    docs = read_conll(eval_dir / CONLL_FILE) + read_reuters(eval_dir / REUTERS_FILE)
    if len(docs) < 3:
        raise SystemExit(f"{eval_dir}: found only {len(docs)} documents")
    return docs


def _first_sentence(text: str) -> str:
    match = re.search(r"[.!?](\s|$)", text)
    return text[: match.start() + 1] if match else text


# ---- building the articles ---------------------------------------------------------

def make_articles(n: int, docs: list[Document]) -> list[Article]:
    """``n`` articles; article i opens with document i mod D, then one or two others.

    Round r = i // D pairs each document with partners at offsets that differ from round
    to round, so the combinations (and hence the texts) are all distinct.
    """
    d = len(docs)
    articles: list[Article] = []
    seen: set[str] = set()
    for i in range(n):
        first, round_ = i % d, i // d
        picks = [first]
        for step, stride in ((1, 97), (2, 89))[: 2 if i % 2 else 1]:
            partner = (first + step + round_ * stride) % d
            while partner in picks:
                partner = (partner + 1) % d
            picks.append(partner)
        text = PARAGRAPH_SEPARATOR.join(p for k in picks for p in docs[k].paragraphs)
        while text in seen:  # only for n far beyond D**2; add one more document
            partner = (picks[-1] + 1) % d
            picks.append(partner)
            text = PARAGRAPH_SEPARATOR.join(p for k in picks for p in docs[k].paragraphs)
        seen.add(text)
        number = i + 1
        title = f"{_shorten(docs[first].headline.rstrip(' .'), TITLE_MAX)} (no. {number})"
        date = FIRST_DATE + dt.timedelta(days=i // ARTICLES_PER_DAY)
        articles.append(Article(number, title, date, text, tuple(docs[k].source for k in picks)))
    return articles


# ---- the unique-paragraph corpus ---------------------------------------------------

UNIQUE_FIRST_DATE = dt.date(2016, 1, 1)
UNIQUE_DAYS = 10 * 365  # dates spread over ten years, as in an archive
UNIQUE_PARAGRAPHS = (4, 22)  # paragraphs per article, uniform: 13 on average, as above
UNIQUE_SEED = 12


def sentences_of(docs: list[Document]) -> list[str]:
    """Every distinct sentence of the documents, in order of first appearance."""
    seen: dict[str, None] = {}
    for doc in docs:
        for paragraph in doc.paragraphs:
            for sentence in _SENTENCE_END.split(paragraph):
                if sentence.strip():
                    seen.setdefault(sentence.strip(), None)
    return list(seen)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def make_unique_articles(n: int, docs: list[Document], seed: int = UNIQUE_SEED) -> list[Article]:
    """``n`` articles in which no paragraph appears twice, in the same article or another.

    Each paragraph is two sentences drawn from anywhere in the source documents, so an
    archive of any size has as much NER to do as its size says: the paragraph cache saves
    nothing on a first build. Dates are spread over ten years, in no order.
    """
    rng = random.Random(seed)
    pool = sentences_of(docs)
    used: set[bytes] = set()  # digests of the paragraphs so far: small at 100,000 articles
    articles = []
    for i in range(n):
        paragraphs = []
        for _ in range(rng.randint(*UNIQUE_PARAGRAPHS)):
            while True:
                paragraph = " ".join(rng.sample(pool, 2))
                digest = hashlib.blake2b(paragraph.encode(), digest_size=12).digest()
                if digest not in used:
                    used.add(digest)
                    paragraphs.append(paragraph)
                    break
        number = i + 1
        title = f"{_shorten(_first_sentence(paragraphs[0]).rstrip(' .'), TITLE_MAX)} (no. {number})"
        date = UNIQUE_FIRST_DATE + dt.timedelta(days=rng.randrange(UNIQUE_DAYS))
        articles.append(Article(number, title, date, PARAGRAPH_SEPARATOR.join(paragraphs), ("sentences",)))
    return articles


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "..."


def write_site(site_dir: Path, articles: list[Article]) -> None:
    folder = site_dir / "content" / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        (folder / article.file_name).write_text(article.markdown(), encoding="utf-8")


# ---- Markdown escaping -------------------------------------------------------------

# Characters that start inline markup anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]<>&!])")
# What makes a line's start a block marker: heading, quote, list, fence, setext line.
_BLOCK_START = re.compile(r"^([#+\-=~|])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")


def markdown_escape(paragraph: str) -> str:
    """A paragraph of plain text as Markdown whose rendered text is the paragraph itself."""
    escaped = _INLINE.sub(r"\\\1", paragraph)
    escaped = _BLOCK_START.sub(r"\\\1", escaped)
    return _ORDERED_START.sub(r"\1\\\2", escaped)
