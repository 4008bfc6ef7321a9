"""The quality score against its labelled set: precision and recall per item, and scores.

    python benchmarks/quality.py

Reads tests/data/quality_cases.toml (110 Spanish escalations, each item labelled by hand)
and prints, per item, how often the score's rule agrees with the label: precision and recall
of «met», and of «missing» (what the hints are for), then the distribution of scores per
level (buena, mediocre, mala) and per ten-point band, and the time per score.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.labelled import HOLDOUT, LEVELS, Case, cases  # noqa: E402

from escalate.domain.quality import ITEMS, assess, item_verdicts  # noqa: E402


def ratio(hits: int, total: int) -> str:
    return f"{hits / total:5.2f}" if total else "  -  "


def table(labelled: tuple[Case, ...]) -> None:
    """Precision and recall of each item's rule against the labels."""
    print(f"{'item':10} {'met P':>6} {'met R':>6} {'miss P':>7} {'miss R':>7} "
          f"{'agree':>6}  labelled met/missing")
    verdicts = [item_verdicts(c.capture) for c in labelled]
    for key, label, _ in ITEMS:
        tp = fp = fn = tn = 0
        for case, got in zip(labelled, verdicts, strict=True):
            said, truth = got[key], case.expected[key]
            tp += said and truth
            fp += said and not truth
            fn += truth and not said
            tn += not said and not truth
        print(f"{label:10} {ratio(tp, tp + fp):>6} {ratio(tp, tp + fn):>6} "
              f"{ratio(tn, tn + fn):>7} {ratio(tn, tn + fp):>7} "
              f"{ratio(tp + tn, len(labelled)):>6}  {tp + fn}/{tn + fp}")


def main() -> None:
    labelled = cases()
    print(f"{len(labelled)} labelled escalations "
          f"({', '.join(f'{n} {lv}' for lv, n in Counter(c.level for c in labelled).items())})"
          " — the rules were written against these")
    print()
    table(labelled)
    held_out = cases(HOLDOUT)
    print(f"\n{len(held_out)} held-out escalations, written after the rules were settled")
    print()
    table(held_out)
    print()
    started = time.perf_counter()
    scores = [assess(c.capture).score for c in labelled]
    per_score = (time.perf_counter() - started) / len(labelled)
    by_level: dict[str, list[int]] = defaultdict(list)
    for case, score in zip(labelled, scores, strict=True):
        by_level[case.level].append(score)
    print(f"{'level':9} {'n':>3} {'min':>4} {'median':>6} {'mean':>5} {'max':>4}")
    for level in LEVELS:
        values = by_level[level]
        print(f"{level:9} {len(values):>3} {min(values):>4} {statistics.median(values):>6g} "
              f"{statistics.mean(values):>5.1f} {max(values):>4}")
    print()
    print("band     " + " ".join(f"{lv:>8}" for lv in LEVELS))
    for low in range(0, 100, 10):
        high = 100 if low == 90 else low + 9
        counts = [sum(low <= s <= high for s in by_level[lv]) for lv in LEVELS]
        print(f"{low:>3}-{high:<3}  " + " ".join(f"{n:>8}" for n in counts))
    minimum = 50
    below = {lv: sum(s < minimum for s in by_level[lv]) for lv in LEVELS}
    print(f"\nbelow the default minimum ({minimum}): "
          + ", ".join(f"{lv} {below[lv]}/{len(by_level[lv])}" for lv in LEVELS))
    print(f"time per score: {per_score * 1000:.2f} ms (the first one compiles the patterns)")


if __name__ == "__main__":
    main()
