"""Minimal repair targeting: where identities break, the fewest cells whose change restores them all.

Broken identities in one block of cells the identities tie together (section
三, or one section 四 group) are repaired together; blocks separately. The identities are linear, so a change of one
cell by d moves the difference of each identity it is in by its coefficient
times d. One cell restores a group when every broken identity of the group
contains it, all ask the same d of it, and it is in no identity that holds;
otherwise pairs of cells are tried, solving the two unknowns from the
identities they are in. Every solution of the smallest size is a proposal, with
counts whole and not negative; more than ``MAX_PROPOSALS`` point nowhere, and
none is made.

Proposals are suggestions for a person: ``report`` keeps what the document
printed, a report's own broken total included.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from itertools import combinations

from extractor.checks import Identity, evaluate_identity, identities_for
from extractor.report import Value
from extractor.result import RepairProposal, Result

MAX_PROPOSALS = 6
MAX_CANDIDATES = 80  # cells of broken identities tried in pairs; beyond this only single cells


def _numeric(values: Mapping[str, Value]) -> dict[str, Fraction]:
    return {k: Fraction(str(v)) for k, v in values.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _residual(identity: Identity, numbers: Mapping[str, Fraction]) -> Fraction:
    return sum((coef * numbers[key] for key, coef in identity.terms), Fraction(0))


def minimal_repairs(values: Mapping[str, Value]) -> list[RepairProposal]:
    """For each block with broken identities, the smallest sets (one cell, else two) of changes that make
    them hold and break no other identity."""
    numbers = _numeric(values)
    identities = [i for i in identities_for(values) if evaluate_identity(i, values).passed is not None]
    residuals = {i.rule: _residual(i, numbers) for i in identities}
    broken = [i for i in identities if residuals[i.rule] != 0]
    containing: dict[str, list[Identity]] = {}
    for identity in identities:
        for key, _ in identity.terms:
            containing.setdefault(key, []).append(identity)
    proposals: list[RepairProposal] = []
    for component in _components(broken, identities):
        proposals.extend(_repair_component(component, values, numbers, residuals, containing))
    return proposals


def _components(broken: list[Identity], identities: list[Identity]) -> list[list[Identity]]:
    """Broken identities grouped by the blocks of cells that the identities (holding or not) tie
    together: section 三 is one block, each section 四 group another, repaired separately."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for identity in identities:
        first = root(identity.fields[0])
        for key in identity.fields[1:]:
            parent[root(key)] = first
    groups: dict[str, list[Identity]] = {}
    for identity in broken:
        groups.setdefault(root(identity.fields[0]), []).append(identity)
    return list(groups.values())


def _repair_component(
    broken: list[Identity],
    values: Mapping[str, Value],
    numbers: Mapping[str, Fraction],
    residuals: Mapping[str, Fraction],
    containing: Mapping[str, list[Identity]],
) -> list[RepairProposal]:
    candidates = list(dict.fromkeys(key for identity in broken for key, _ in identity.terms))
    restores = [i.rule for i in broken]
    broken_rules = set(restores)

    def proposal(changes: dict[str, Fraction]) -> RepairProposal | None:
        new = {key: numbers[key] + delta for key, delta in changes.items()}
        if any(v < 0 or v.denominator != 1 for v in new.values()):
            return None  # counts are whole and not negative
        return RepairProposal(
            cells={key: int(v) for key, v in new.items()},
            printed={key: values[key] for key in changes},
            restores=restores,
        )

    singles = []
    for key in candidates:
        if not broken_rules <= {i.rule for i in containing[key]}:
            continue  # a broken identity this cell is not in stays broken
        delta = _solve_one(key, containing[key], residuals)
        if delta is not None and delta != 0 and (found := proposal({key: delta})):
            singles.append(found)
    if singles:
        return singles if len(singles) <= MAX_PROPOSALS else []
    if len(candidates) > MAX_CANDIDATES:
        return []
    pairs: list[RepairProposal] = []
    for a, b in combinations(candidates, 2):
        touched = {i.rule: i for i in containing[a] + containing[b]}
        if not broken_rules <= set(touched):
            continue  # a broken identity neither cell is in stays broken
        deltas = _solve_two(a, b, list(touched.values()), residuals)
        if deltas is None or 0 in deltas:
            continue
        found = proposal({a: deltas[0], b: deltas[1]})
        if found:
            pairs.append(found)
            if len(pairs) > MAX_PROPOSALS:
                return []  # too many equally small repairs point nowhere
    return pairs


def _coef(identity: Identity, key: str) -> int:
    return sum(coef for k, coef in identity.terms if k == key)


def _solve_one(key: str, identities: list[Identity], residuals: Mapping[str, Fraction]) -> Fraction | None:
    """The one change of ``key`` that zeroes every identity it is in, if there is one."""
    delta: Fraction | None = None
    for identity in identities:
        coef = _coef(identity, key)
        if coef == 0:
            continue
        needed = -residuals[identity.rule] / coef
        if delta is not None and needed != delta:
            return None
        delta = needed
    return delta


def _solve_two(
    a: str, b: str, identities: list[Identity], residuals: Mapping[str, Fraction]
) -> tuple[Fraction, Fraction] | None:
    """Changes of ``a`` and ``b`` that zero every identity either is in, when exactly one pair does."""
    equations = [(Fraction(_coef(i, a)), Fraction(_coef(i, b)), -residuals[i.rule]) for i in identities]
    solution: tuple[Fraction, Fraction] | None = None
    for (a1, b1, r1), (a2, b2, r2) in combinations(equations, 2):
        det = a1 * b2 - a2 * b1
        if det != 0:
            solution = ((r1 * b2 - r2 * b1) / det, (a1 * r2 - a2 * r1) / det)
            break
    if solution is None:
        return None  # fewer than two independent equations: not one answer
    da, db = solution
    if all(ca * da + cb * db == r for ca, cb, r in equations):
        return da, db
    return None


def propose_repairs(result: Result) -> list[RepairProposal]:
    """Proposals for a result, each also noted on the fields it would change."""
    proposals = minimal_repairs({key: detail.value for key, detail in result.fields.items()})
    for proposal in proposals:
        for key, value in proposal.cells.items():
            detail = result.fields.get(key)
            if detail is None:
                continue
            hint = f"proposed fix: {value} instead of {proposal.printed[key]} restores {', '.join(proposal.restores)}"
            detail.note = f"{detail.note}; {hint}" if detail.note else hint
    return proposals
