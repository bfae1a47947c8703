"""How much of a large dossier's numbered pages one edit disturbs (see ``sitegen.site.paging``).

Random entities are made of runs of mentions, one run per article (how many mentions
each article has is drawn around a mean), and cut into pages as a build cuts them. Then
one edit each: a mention added to a random older article, or a new article naming the
entity once, in the middle of the archive. Printed per mean: the pages' sizes, how many
pages other than the one holding the edit hold other mentions than before, and how often
the number of pages changed (every page after the edit is then numbered anew).

    python bench/paging_stability.py
    python bench/paging_stability.py --entities 1000 --articles 3000 --means 1 2 3 5
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.site import paging  # noqa: E402


def pages(ids: list[str], counts: list[int]) -> list[tuple]:
    """Each page's mentions, as (article, its mention's number there), oldest first."""
    layout = paging._cut(tuple(ids), tuple(counts), paging._settings())
    mentions = [(a, k) for a, n in zip(reversed(ids), reversed(counts)) for k in range(n)]
    return [tuple(mentions[slice(*layout.bounds(n))]) for n in layout.numbers()]


def disturbed(before: list[tuple], after: list[tuple], added) -> int:
    """Pages (by number) that hold other mentions than before, the added ones aside, but for one."""
    after = [tuple(m for m in page if not added(m)) for page in after]
    differ = sum(1 for n in range(max(len(before), len(after)))
                 if n >= len(before) or n >= len(after) or before[n] != after[n])
    return max(0, differ - 1)  # the page that took the edit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=300, help="random entities per mean (default 300)")
    parser.add_argument("--articles", type=int, default=1500, help="articles naming each (default 1500)")
    parser.add_argument("--means", type=float, nargs="+", default=[1.2, 2.5, 4.0],
                        help="mentions an article on average (default 1.2 2.5 4)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"settings (unpaged up to, least, most, a mark every, fallback from, a fallback every): {paging._settings()}")
    print("| mentions an article | pages | page size mean (least-most) | mention added: pages disturbed, "
          "count changed | new article: pages disturbed, count changed |")
    print("|---:|---:|---|---|---|")
    for mean in args.means:
        sizes, one, one_count, new, new_count, total_pages = [], 0, 0, 0, 0, 0
        for trial in range(args.entities):
            ids = [f"a{trial}-{n}-{rng.random():.9f}" for n in range(args.articles)]
            counts = [max(1, round(rng.expovariate(1 / mean))) for _ in ids]
            before = pages(ids, counts)
            total_pages += len(before)
            sizes += [len(p) for p in before[:-1]]
            at = rng.randrange(args.articles)
            more = counts[:at] + [counts[at] + 1] + counts[at + 1:]
            after = pages(ids, more)
            one += disturbed(before, after, lambda m, a=ids[at], k=counts[at]: m == (a, k))
            one_count += len(after) != len(before)
            added = f"new-{trial}"
            after = pages(ids[:at] + [added] + ids[at:], counts[:at] + [1] + counts[at:])
            new += disturbed(before, after, lambda m: m[0] == added)
            new_count += len(after) != len(before)
        n = args.entities
        print(f"| {mean:g} | {total_pages / n:.0f} | {sum(sizes) / len(sizes):.0f} ({min(sizes)}-{max(sizes)}) | "
              f"{one / n:.2f}, {one_count / n:.1%} | {new / n:.2f}, {new_count / n:.1%} |")


if __name__ == "__main__":
    main()
