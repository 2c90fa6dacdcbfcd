"""yamlread's event loop against PyYAML's own composer: the same values, and each key's and
item's line where the composer's node starts."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from qms.base.yamlread import LineDict, LineList, parse

KEYS = st.text("abcdefghij-_", min_size=1, max_size=8).map(lambda text: f"k{text}")
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
                    st.dates())
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=25)


def same_with_lines(data: Any, node: yaml.Node) -> None:
    """Assert data is what node holds, each mapping key and list item on the node's line."""
    if isinstance(node, yaml.MappingNode):
        assert isinstance(data, LineDict) and data.line == node.start_mark.line + 1
        assert list(data) == [key.value for key, _ in node.value]
        for key, value in node.value:
            assert data.lines[key.value] == key.start_mark.line + 1
            same_with_lines(data[key.value], value)
    elif isinstance(node, yaml.SequenceNode):
        assert isinstance(data, LineList) and data.line == node.start_mark.line + 1
        assert data.lines == [item.start_mark.line + 1 for item in node.value]
        for item, child in zip(data, node.value, strict=True):
            same_with_lines(item, child)
    else:
        expected = yaml.safe_load(yaml.serialize(node))
        assert type(data) is type(expected) and data == expected


@given(DOCUMENTS, st.booleans())
def test_values_and_lines_are_those_of_pyyamls_composer(document: Any, flow: bool) -> None:
    text = yaml.safe_dump(document, allow_unicode=True, default_flow_style=flow)
    same_with_lines(parse(text), yaml.compose(text, Loader=yaml.SafeLoader))
