"""yamlread's event loop against PyYAML's own composer (the same values, and each key's and
item's line where the composer's node starts), and its reading of files up to the size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from qms.base.yamlread import MAX_BYTES, LineDict, LineList, YamlProblem, parse, read_bytes

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


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_files_up_to_the_limit_are_read_whole_and_larger_ones_refused(tmp_path: Path,
                                                                      extra: int) -> None:
    path = tmp_path / "big.yaml"
    content = b"# " + b"x" * (MAX_BYTES + extra - 3) + b"\n"
    path.write_bytes(content)
    if extra <= 0:
        assert read_bytes(path) == content
    else:
        with pytest.raises(YamlProblem) as refused:
            read_bytes(path)
        assert refused.value.code == "too-large"
    with pytest.raises(YamlProblem) as missing:
        read_bytes(tmp_path / "gone.yaml")
    assert missing.value.code == "unreadable" and "No such file" in missing.value.message
