"""A listener that replays tree deltas on its own copy, as a Qt model would."""

from __future__ import annotations

from xencenter_py.model.tree import NavigationTree, Node


class ShadowTree:
    """Mirror of a NavigationTree built only from its deltas (rows checked on every call)."""

    def __init__(self, tree: NavigationTree) -> None:
        self.children: dict[str, list[str]] = {}
        self.log: list[tuple] = []
        self._copy(tree.root)
        tree.add_listener(self)

    def _copy(self, node: Node) -> None:
        self.children[node.key] = [c.key for c in node.children]
        for c in node.children:
            self._copy(c)

    def inserted(self, parent_key: str, row: int, node: Node) -> None:
        self.log.append(("inserted", parent_key, row, node.key))
        siblings = self.children[parent_key]
        assert 0 <= row <= len(siblings)
        siblings.insert(row, node.key)
        self._copy(node)

    def removed(self, parent_key: str, row: int, key: str) -> None:
        self.log.append(("removed", parent_key, row, key))
        siblings = self.children[parent_key]
        assert siblings[row] == key
        del siblings[row]
        stack = [key]
        while stack:
            stack.extend(self.children.pop(stack.pop(), []))

    def moved(self, old_parent: str, old_row: int, new_parent: str, new_row: int, key: str) -> None:
        self.log.append(("moved", old_parent, old_row, new_parent, new_row, key))
        assert self.children[old_parent][old_row] == key
        del self.children[old_parent][old_row]
        self.children[new_parent].insert(new_row, key)

    def changed(self, key: str) -> None:
        self.log.append(("changed", key))
        assert key in self.children

    def matches(self, tree: NavigationTree) -> bool:
        expected: dict[str, list[str]] = {}

        def walk(n: Node) -> None:
            expected[n.key] = [c.key for c in n.children]
            for c in n.children:
                walk(c)

        walk(tree.root)
        return expected == self.children
