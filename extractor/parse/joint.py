"""Section 三 read as one problem: which readings of each row survive every identity at once.

Each row of the applications table comes with candidate readings (a glued run of digits
split into cells, a stray token left out, a lost cell restored). Choosing row by row can
miss readings that differ in two rows at once and still satisfy every identity. Here the
identities are solved together: the outcome rows are summed column-wise by dynamic
programming over the distinct partial sums (forward and backward), the balance rows are
combined directly, and a row's reading *survives* when it is part of at least one reading
of the whole table under which identities 1, 2 and 3 all hold.

A null cell makes every identity through it vacuous, as ``checks.evaluate_identity`` does.
When the search would grow past ``MAX_STATES`` the caller falls back to local search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from extractor.parse.solve import Reading, Value
from extractor.template import OUTCOME_ROWS

Vector = tuple[int | float | None, ...]  # column sums; None once a null entered the column

MAX_STATES = 20000
BALANCE = ("new_received", "carried_over", "total_processed", "carried_forward")


def _add(a: Vector, b: Sequence[Value]) -> Vector:
    return tuple(None if x is None or y is None else x + y for x, y in zip(a, b, strict=True))


def _same(a: Vector, b: Sequence[Value]) -> bool:
    return all(x is None or y is None or abs(x - y) < 1e-6 for x, y in zip(a, b, strict=True))


def _sums(rows: list[list[Reading]], width: int) -> list[set[Vector]] | None:
    """Distinct column sums of the first i rows, for each i (None past ``MAX_STATES``)."""
    levels: list[set[Vector]] = [{tuple([0] * width)}]
    for readings in rows:
        level = {_add(total, reading.values) for total in levels[-1] for reading in readings}
        if len(level) > MAX_STATES:
            return None
        levels.append(level)
    return levels


def surviving(
    options: dict[str, list[Reading]], width: int, outcomes_complete: bool = True
) -> dict[str, list[Reading]] | None:
    """For each row, the readings that are part of some reading of the whole table under which
    every identity holds. None when the search is too large; an empty list for a row means
    that no reading of the table satisfies every identity.

    ``outcomes_complete`` is False when an outcome row of the table was not read: identity 2
    then says nothing (its sum has a null), while identity 1 still ties the balance rows."""
    outcome_rows = [row for row in OUTCOME_ROWS if row in options]
    outcome = [options[row] for row in outcome_rows]
    forward = _sums(outcome, width)
    backward = _sums(outcome[::-1], width)
    if forward is None or backward is None:
        return None
    totals = forward[-1]

    # identity 2 holds when the outcome rows add up to the total row; vacuous without it
    total_row = options.get("total_processed")
    total_options: list[Reading | None] = list(total_row) if total_row is not None else [None]
    if not outcomes_complete:
        totals = {tuple([None] * width)}
    balance_ok = all(row in options for row in BALANCE)

    def outcome_fits(total: Reading | None, summed: Iterable[Vector]) -> bool:
        return total is None or any(_same(s, total.values) for s in summed)

    fitting_totals = [t for t in total_options if outcome_fits(t, totals)]
    # identity 1 over the balance rows, for each total that identity 2 allows
    balance: list[tuple[Reading, ...]] = []
    if balance_ok:
        for new in options["new_received"]:
            for carried in options["carried_over"]:
                for total in fitting_totals:
                    if total is None:
                        continue
                    for forward_row in options["carried_forward"]:
                        if _same(_add(new.values, carried.values), _add(total.values, forward_row.values)):
                            balance.append((new, carried, total, forward_row))
        allowed_totals: list[Reading | None] = list({id(b[2]): b[2] for b in balance}.values())
    else:
        allowed_totals = list(fitting_totals)

    result: dict[str, list[Reading]] = {}
    for index, row in enumerate(outcome_rows):
        before, after = forward[index], backward[len(outcome_rows) - index - 1]
        if not outcomes_complete:
            before = {tuple([None] * width)}
        if len(before) * len(after) > MAX_STATES * 10:
            return None
        others = {_add(b, a) for b in before for a in after}
        result[row] = [
            reading
            for reading in options[row]
            if any(outcome_fits(total, (_add(o, reading.values) for o in others)) for total in allowed_totals)
        ]
    if balance_ok:
        for position, row in enumerate(BALANCE):
            kept = {id(b[position]): b[position] for b in balance}
            result[row] = [r for r in options[row] if id(r) in kept]
    elif total_row is not None:
        result["total_processed"] = [t for t in total_row if t in allowed_totals]
    for row, readings in options.items():
        result.setdefault(row, list(readings))  # rows no identity ties to the others
    return result
