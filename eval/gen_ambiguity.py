"""Is a damaged rendering still readable? Count the tables the identities allow.

A text variant that loses a column, adds a stray token or runs cells together
prints rows with more than one reading. The gold is only "by construction" if
exactly one reading of the whole table satisfies the tally identities, so the
text renderers ask ``unique_reading`` before they commit to a damage.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from extractor.template import APPLICANT_COLUMNS, OUTCOME_ROWS

Row = tuple[int, ...]
MAX_STATES = 20_000  # more partial sums than this: call it ambiguous (and cheap)


def insertion_readings(printed: Sequence[int]) -> set[Row]:
    """Readings of a row that prints six of its seven numbers (one cell lost)."""
    readings: set[Row] = {(*printed, sum(printed))}  # the total was lost
    *parts, total = printed
    missing = total - sum(parts)
    if missing >= 0:
        for pos in range(len(parts) + 1):
            readings.add((*parts[:pos], missing, *parts[pos:], total))
    return readings


def removal_readings(printed: Sequence[int]) -> set[Row]:
    """Readings of a row that prints eight numbers (one stray token)."""
    readings = set()
    for pos in range(len(printed)):
        row = tuple(printed[:pos]) + tuple(printed[pos + 1 :])
        if sum(row[:-1]) == row[-1]:
            readings.add(row)
    return readings


def splits(chunks: Sequence[str], count: int) -> Iterator[Row]:
    """Ways to read digit chunks (cells run together) as ``count`` numbers, no leading zeros."""
    if not chunks:
        if count == 0:
            yield ()
        return
    head, rest = chunks[0], chunks[1:]
    for numbers in _split_chunk(head, count - len(rest)):
        for tail in splits(rest, count - len(numbers)):
            yield numbers + tail


def _split_chunk(digits: str, max_count: int) -> Iterator[Row]:
    if max_count <= 0:
        return
    if digits == "0" or not digits.startswith("0"):
        yield (int(digits),)
    for cut in range(1, len(digits)):
        first = digits[:cut]
        if first != "0" and first.startswith("0"):
            continue
        for rest in _split_chunk(digits[cut:], max_count - 1):
            yield (int(first), *rest)


def run_together_readings(chunks: Sequence[str], count: int = 7) -> set[Row]:
    return {row for row in splits(chunks, count) if sum(row[:-1]) == row[-1]}


def unique_reading(readings: dict[str, set[Row]]) -> bool:
    """True when exactly one choice of a reading per row satisfies the column identities.

    ``readings`` maps each applications row key to its possible 7-tuples.
    Column identities: balance (new_received + carried_over = total_processed +
    carried_forward) and outcomes (total_processed = sum of the outcome rows).
    The outcome rows are summed by dynamic programming over partial column sums
    (counting paths, capped at 2), pruned by the largest possible total.
    """
    if any(not r for r in readings.values()):
        return False
    totals = readings["total_processed"]
    bound = tuple(max(t[c] for t in totals) for c in range(len(APPLICANT_COLUMNS)))
    states: dict[Row, int] = {(0,) * len(APPLICANT_COLUMNS): 1}
    for row in (r for r in readings if r in OUTCOME_ROWS):
        following: dict[Row, int] = {}
        for state, paths in states.items():
            for reading in readings[row]:
                summed = tuple(a + b for a, b in zip(state, reading, strict=True))
                if any(v > b for v, b in zip(summed, bound, strict=True)):
                    continue
                following[summed] = min(2, following.get(summed, 0) + paths)
        states = following
        if len(states) > MAX_STATES:
            return False
    found = 0
    for total, new, over, forward in itertools.product(
        totals, readings["new_received"], readings["carried_over"], readings["carried_forward"]
    ):
        if all(new[c] + over[c] == total[c] + forward[c] for c in range(len(APPLICANT_COLUMNS))):
            found += states.get(total, 0)
            if found > 1:
                return False
    return found == 1


def unique_review_reading(chunks: Sequence[str]) -> bool:
    """Section 4 printed as digit chunks: exactly one split into 15 numbers with each group adding up."""
    found = set()
    for row in splits(chunks, 15):
        if all(sum(row[g : g + 4]) == row[g + 4] for g in (0, 5, 10)):
            found.add(row)
            if len(found) > 1:
                return False
    return len(found) == 1
