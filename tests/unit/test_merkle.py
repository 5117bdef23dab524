"""wharf/security/merkle.py against pymerkle and against the RFCs' own pseudo-code
(tests/transparency.py), for every size and index of trees up to 70 leaves."""

import pytest

from tests.transparency import (
    pymerkle_tree,
    pymerkle_verifies_inclusion,
    rfc9162_consistent,
    rfc_consistency,
    rfc_mth,
)
from wharf.security import merkle

ENTRIES = [f"entry {i}".encode() for i in range(70)]


@pytest.fixture(scope="module")
def grown() -> dict:
    """Wharf's tree grown leaf by leaf, every node it completed kept, and pymerkle's."""
    nodes, frontier, roots = {}, [], [merkle.EMPTY_ROOT]
    for index, entry in enumerate(ENTRIES):
        frontier, made = merkle.append(frontier, index, merkle.leaf_hash(entry))
        nodes.update({(level, i): hash_ for level, i, hash_ in made})
        roots.append(merkle.root_of(frontier))
    return {"nodes": nodes, "roots": roots, "pymerkle": pymerkle_tree(ENTRIES)}


def hash_of(nodes: dict, start: int, end: int) -> bytes:
    return merkle.fold([nodes[key] for key in merkle.subtrees(start, end)])


def test_leaves_and_roots_at_every_size_are_pymerkles(grown):
    for size in range(1, len(ENTRIES) + 1):
        assert grown["roots"][size] == grown["pymerkle"].get_root(size), size
        assert grown["nodes"][(0, size - 1)] == grown["pymerkle"].get_leaf(size)
    assert grown["roots"][0] == merkle.EMPTY_ROOT == rfc_mth([])


def test_every_inclusion_path_is_pymerkles_and_pymerkle_verifies_it(grown):
    tree, nodes = grown["pymerkle"], grown["nodes"]
    for size in range(1, len(ENTRIES) + 1):
        for index in range(size):
            path = [hash_of(nodes, *r) for r in merkle.inclusion_ranges(index, size)]
            leaf = nodes[(0, index)]
            assert tree.prove_inclusion(index + 1, size).path == [leaf, *path]
            assert pymerkle_verifies_inclusion(tree, index, size, leaf, path,
                                               grown["roots"][size])
            merkle.verify_inclusion(index, size, leaf, path, grown["roots"][size])


def test_every_consistency_proof_is_the_rfcs_and_verifies_by_its_algorithm(grown):
    nodes, roots = grown["nodes"], grown["roots"]
    leaves = [nodes[(0, i)] for i in range(len(ENTRIES))]
    for second in range(2, len(ENTRIES) + 1):
        for first in range(1, second):
            proof = [hash_of(nodes, *r) for r in merkle.consistency_ranges(first, second)]
            assert proof == rfc_consistency(first, leaves[:second]), (first, second)
            assert rfc9162_consistent(first, second, roots[first], roots[second], proof)
            merkle.verify_consistency(first, second, roots[first], roots[second], proof)


@pytest.mark.parametrize(("first", "second"), [(1, 2), (3, 7), (4, 8), (6, 70), (64, 70)])
def test_a_consistency_proof_fails_for_another_tree_or_a_tampered_path(grown, first, second):
    nodes, roots = grown["nodes"], grown["roots"]
    proof = [hash_of(nodes, *r) for r in merkle.consistency_ranges(first, second)]
    forged = merkle.leaf_hash(b"rewritten")
    for old, new, path in ((forged, roots[second], proof), (roots[first], forged, proof),
                           (roots[first], roots[second], [forged, *proof[1:]]),
                           (roots[first], roots[second], proof[:-1]),
                           (roots[first], roots[second], [*proof, forged])):
        with pytest.raises(merkle.ProofFailed):
            merkle.verify_consistency(first, second, old, new, path)
        assert not rfc9162_consistent(first, second, old, new, path)


def test_an_inclusion_proof_fails_for_another_leaf_index_or_root(grown):
    nodes, roots = grown["nodes"], grown["roots"]
    path = [hash_of(nodes, *r) for r in merkle.inclusion_ranges(5, 70)]
    for index, leaf, root in ((5, nodes[(0, 6)], roots[70]), (6, nodes[(0, 5)], roots[70]),
                              (5, nodes[(0, 5)], roots[69]), (70, nodes[(0, 5)], roots[70])):
        with pytest.raises(merkle.ProofFailed):
            merkle.verify_inclusion(index, 70, leaf, path, root)


def test_equal_sizes_are_consistent_only_with_equal_roots(grown):
    roots = grown["roots"]
    merkle.verify_consistency(9, 9, roots[9], roots[9], [])
    merkle.verify_consistency(0, 9, merkle.EMPTY_ROOT, roots[9], [])
    with pytest.raises(merkle.ProofFailed, match="forked"):
        merkle.verify_consistency(9, 9, roots[9], roots[8], [])


def test_a_range_hashed_from_its_subtrees_with_shared_rests_is_the_fold_of_them(grown):
    nodes, memo = grown["nodes"], {}
    for start, end in [(0, 70), (64, 70), (32, 70), (0, 0), (8, 16), (0, 1), (48, 70)]:
        assert merkle.range_hash(start, end, nodes, memo) == hash_of(nodes, start, end)
    assert merkle.range_hash(0, 70, nodes, {}) == grown["roots"][70]
