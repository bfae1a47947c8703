"""A deterministic archive of short, made-up news articles, for tests that need many.

Every name is invented from small lists, so the NER model finds a realistic mix of
people, places and organisations and the same entities recur across articles.
"""
from __future__ import annotations

import random
from pathlib import Path

FIRST = ["Anna", "Lena", "Otto", "Maria", "Jonas", "Sara", "Karim", "Mei", "Tomas", "Ines", "Pavel", "Ruth"]
LAST = ["Berg", "Fischer", "Weber", "Lopez", "Novak", "Haddad", "Larsen", "Okafor", "Moreau", "Costa"]
PLACES = ["Vienna", "Madrid", "Lisbon", "Oslo", "Nairobi", "Lima", "Warsaw", "Athens", "Dublin", "Hanoi"]
ORGS = ["the World Bank", "the Red Cross", "Siemens", "the European Commission", "Unicef", "Reuters",
        "the United Nations", "Nokia", "Oxfam", "the Bank of England"]
VERBS = ["met", "criticised", "praised", "called", "visited", "thanked"]
TOPICS = ["the budget", "a new railway", "the harvest", "water prices", "the elections", "a school reform"]


def article(rng: random.Random, i: int) -> tuple[str, str, str]:
    """(file name, title, Markdown body) of article ``i``."""
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    other = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    place, org, topic = rng.choice(PLACES), rng.choice(ORGS), rng.choice(TOPICS)
    surname = person.split()[-1]
    body = (f"{person} {rng.choice(VERBS)} {other} in {place} on Monday to discuss {topic}. "
            f"{surname} said {org} would publish its findings in {rng.choice(PLACES)} next week.\n\n"
            f"Officials of {rng.choice(ORGS)} declined to comment on report number {i}. "
            f"{other.split()[-1]} is expected back in {place} before the summer.")
    return f"story-{i:04d}", f"{person} meets {other} in {place}", body


def write_archive(articles_dir: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(count):
        name, title, body = article(rng, i)
        day = 1 + i % 28
        (articles_dir / f"{name}.md").write_text(
            f"---\ntitle: \"{title}\"\ndate: 2025-{1 + i % 12:02d}-{day:02d}\n---\n\n{body}\n", encoding="utf-8")
