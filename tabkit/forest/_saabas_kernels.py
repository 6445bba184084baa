"""Compiled kernels of Saabas attribution: pack one tree's node records; walk rows down a forest.

A record is ``2 + n_summed`` float64 words, the nodes of a tree in preorder, so a node's
left child is the next record:

- word 0: the split threshold;
- word 1, as two int32: the right child's record offset from the tree's root (for a leaf,
  its row in the leaf-value table), then ``2 * feature + missing_go_to_left`` (-1 for a leaf);
- words 2...: the node's value minus its parent's, for the first ``n_summed`` outputs
  (0 at the root).

One record holds everything a step down the tree reads (one load, not one per array).
Both kernels release the GIL, so threads can share the trees or the rows.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LEAF = -1
INTERLEAVED = 4


@njit(nogil=True, cache=True)
def pack_tree(left, right, feature, threshold, missing_left, value, max_depth, records, leaf_values, first_leaf):
    """Write one tree's records (preorder) and leaf values.

    ``left``, ``right``, ``feature``, ``threshold``, ``missing_left`` and ``value`` (nodes x
    outputs) are the tree's own arrays in its node order; ``records`` (the tree's slice of
    the forest's records) and ``leaf_values`` (the forest's) are filled in place, this
    tree's leaves from row ``first_leaf`` on.
    """
    ints = records.view(np.int32)
    n_summed = records.shape[1] - 2
    # a node waiting on the stack: its id, its parent's id and, when it is a right child, its parent's record
    stack_node = np.empty(max_depth + 2, np.int64)
    stack_parent = np.empty(max_depth + 2, np.int64)
    stack_right_of = np.empty(max_depth + 2, np.int64)
    stack_node[0], stack_parent[0], stack_right_of[0] = 0, 0, -1
    size, record, leaf = 1, 0, first_leaf
    while size > 0:
        size -= 1
        node, parent, right_of = stack_node[size], stack_parent[size], stack_right_of[size]
        if right_of >= 0:
            ints[right_of, 2] = record
        for k in range(n_summed):
            records[record, 2 + k] = value[node, k] - value[parent, k]
        if left[node] < 0:
            records[record, 0] = 0.0
            ints[record, 2] = leaf
            ints[record, 3] = LEAF
            for k in range(value.shape[1]):
                leaf_values[leaf, k] = value[node, k]
            leaf += 1
        else:
            records[record, 0] = threshold[node]
            ints[record, 3] = 2 * feature[node] + (1 if missing_left[node] else 0)
            stack_node[size], stack_parent[size], stack_right_of[size] = right[node], node, record
            stack_node[size + 1], stack_parent[size + 1], stack_right_of[size + 1] = left[node], node, -1
            size += 2
        record += 1


@njit(nogil=True, cache=True)
def walk(X, roots, records, leaf_values, contributions, prediction):
    """Add each row's path deltas over all trees into ``contributions`` (rows x features x
    n_summed) and its leaf values into ``prediction`` (rows x outputs), in place.

    Tree by tree (its top levels stay in cache), ``INTERLEAVED`` rows step down together
    and each step chooses its child without a branch, so their memory loads overlap. A
    missing value (NaN) goes where the split sends it, as in scikit-learn.
    """
    ints = records.view(np.int32)
    n_summed = records.shape[1] - 2
    n_rows = X.shape[0]
    nodes = np.empty(INTERLEAVED, np.int64)
    for root in roots:
        for first in range(0, n_rows, INTERLEAVED):
            group = min(INTERLEAVED, n_rows - first)
            nodes[:group] = root
            walking = group
            while walking > 0:
                walking = 0
                for j in range(group):
                    node = nodes[j]
                    code = ints[node, 3]
                    if code == LEAF:
                        continue
                    walking += 1
                    feature = code >> 1
                    x = X[first + j, feature]
                    right = (x > records[node, 0]) | (((code & 1) == 0) & math.isnan(x))
                    node += 1 + right * (root + ints[node, 2] - node - 1)
                    for k in range(n_summed):
                        contributions[first + j, feature, k] += records[node, 2 + k]
                    nodes[j] = node
            for j in range(group):
                leaf = ints[nodes[j], 2]
                for k in range(leaf_values.shape[1]):
                    prediction[first + j, k] += leaf_values[leaf, k]
