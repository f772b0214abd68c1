"""Sharing a sub-project's places among schools in proportion to their teachers (按教师人数分配)."""

from collections.abc import Hashable, Mapping


def proportional(*, total: int, weights: Mapping[Hashable, int], floors: Mapping[Hashable, int]) -> dict:
    """`total` places shared by largest remainders in proportion to `weights`, never below `floors`
    (places already taken); the sum is `total` unless the floors alone exceed it."""
    keys = list(weights)
    weight_sum = sum(max(w, 0) for w in weights.values())
    if total <= 0 or not keys:
        return {key: floors.get(key, 0) for key in keys}
    if weight_sum == 0:
        shares = {key: 0 for key in keys}
    else:
        exact = {key: total * max(weights[key], 0) / weight_sum for key in keys}
        shares = {key: int(exact[key]) for key in keys}
        left = total - sum(shares.values())
        # Ties go to the larger school, then to the listed order, so a run gives the same answer.
        for key in sorted(keys, key=lambda k: (-(exact[k] - shares[k]), -weights[k], keys.index(k)))[:left]:
            shares[key] += 1
    shares = {key: max(shares[key], floors.get(key, 0)) for key in keys}
    excess = sum(shares.values()) - total
    # Raising schools to their floors took places from nobody: give them back from the largest shares.
    while excess > 0:
        spare = [key for key in keys if shares[key] > floors.get(key, 0)]
        if not spare:
            break
        key = max(spare, key=lambda k: (shares[k] - floors.get(k, 0), -keys.index(k)))
        shares[key] -= 1
        excess -= 1
    return shares


def quota_proposal(*, rows: list, places: int) -> dict[str, int]:
    """The quota form's data filled in proportion to each school's teachers (rows from
    selectors.quota_use); a school keeps at least the places its nominees already hold."""
    shares = proportional(
        total=places,
        weights={row.school.pk: row.teachers for row in rows},
        floors={row.school.pk: row.active for row in rows},
    )
    return {f"school_{pk}": share for pk, share in shares.items()}
