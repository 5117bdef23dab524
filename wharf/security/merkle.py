"""RFC 9162 Merkle trees (section 2.1): hashes, the shape of proofs, and their verification.

Leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right); a tree of n
leaves splits at the largest power of two below n. A range of leaves [start, end) whose start
is a multiple of a power of two at least its width (every range a proof names is one) is made
of perfect subtrees, stored once each: (level, index) covers leaves [index << level,
(index + 1) << level). Pure functions: no storage, nothing else of Wharf.
"""

import hashlib
from hmac import compare_digest

EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of the empty tree
MAX_SIZE = 2**63 - 1


class ProofFailed(Exception):
    """A proof does not lead to the root it should."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) that make up [start, end), left to right."""
    found, width = [], end - start
    while width:
        level = width.bit_length() - 1
        found.append((level, start >> level))
        start, width = start + (1 << level), width - (1 << level)
    return found


def fold(hashes: list[bytes]) -> bytes:
    """The hash of a range from its perfect subtrees' hashes, left to right."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def range_hash(start: int, end: int, found: dict[tuple[int, int], bytes],
               memo: dict[tuple[int, int], bytes]) -> bytes:
    """The hash of [start, end) from its perfect subtrees in `found`: the first, then the rest
    folded, each rest once however many ranges end with it (a proof's ranges along the right
    edge share theirs: log n folds, not log² n)."""
    if (start, end) not in memo:
        if start == end:
            return EMPTY_ROOT
        level = (end - start).bit_length() - 1
        first = found[(level, start >> level)]
        rest = start + (1 << level)
        memo[(start, end)] = first if rest == end else node_hash(
            first, range_hash(rest, end, found, memo))
    return memo[(start, end)]


def _split(width: int) -> int:
    """The largest power of two smaller than width (width > 1)."""
    return 1 << ((width - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make up PATH(index, D[0:size]), leaf level first."""
    ranges, start, end = [], 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make up PROOF(first, D[0:second]) (RFC 9162 2.1.4.1)."""
    ranges, start, end, low, complete = [], 0, second, first, True
    while low != end - start:
        k = _split(end - start)
        if low <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, low, complete = start + k, low - k, False
    if not complete:
        ranges.append((start, end))
    return ranges[::-1]


def append(frontier: list[tuple[int, bytes]], index: int, leaf: bytes,
           ) -> tuple[list[tuple[int, bytes]], list[tuple[int, int, bytes]]]:
    """Add leaf number `index` to a tree of `index` leaves whose frontier (its perfect subtrees,
    largest first, as (level, hash)) is given: the new frontier and the nodes it completed, as
    (level, index, hash), the leaf itself first."""
    frontier, made = list(frontier), [(0, index, leaf)]
    level, carried = 0, leaf
    while frontier and frontier[-1][0] == level:
        carried = node_hash(frontier.pop()[1], carried)
        level += 1
        made.append((level, index >> level, carried))
    frontier.append((level, carried))
    return frontier, made


def root_of(frontier: list[tuple[int, bytes]]) -> bytes:
    return fold([hash_ for _, hash_ in frontier])


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) of a tree of `size` leaves, largest first."""
    return subtrees(0, size)


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """The root a leaf and its inclusion path lead to (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofFailed("the leaf index lies outside the tree")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ProofFailed("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofFailed("the inclusion proof is too short")
    return result


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> None:
    if not compare_digest(root_from_inclusion(index, size, leaf, path), root):
        raise ProofFailed(f"leaf {index} is not in the tree of {size} leaves with that root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: list[bytes]) -> None:
    """That the tree of `second` leaves extends the tree of `first` (RFC 9162 2.1.4.2)."""
    if not 0 <= first <= second:
        raise ProofFailed("a tree cannot be consistent with a larger, earlier one")
    if first == second or first == 0:
        if path or (first == second and not compare_digest(first_root, second_root)):
            raise ProofFailed(f"two different trees of {second} leaves: the log was forked"
                              if first == second else "the proof should be empty")
        return
    if not path:
        raise ProofFailed("the consistency proof is empty")
    if first & (first - 1) == 0:  # a power of two: the old tree is a subtree of the new one
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofFailed("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofFailed("the consistency proof is too short")
    if not (compare_digest(fr, first_root) and compare_digest(sr, second_root)):
        raise ProofFailed(f"the tree of {second} leaves does not extend the tree of {first}"
                          f" kept before: the log was rewritten or forked")
