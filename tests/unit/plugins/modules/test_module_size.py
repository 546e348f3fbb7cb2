"""Modules stay thin: under LIMIT lines of code besides their documentation; shared logic goes to module_utils."""

from __future__ import annotations

import ast
import os

import pytest

MODULES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
DOCS = {"DOCUMENTATION", "EXAMPLES", "RETURN"}
LIMIT = 200


def code_lines(text: str) -> int:
    """Lines of code: neither blank nor a comment, outside the DOCUMENTATION, EXAMPLES and RETURN strings."""
    docs: set[int] = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOCS for t in node.targets):
            docs.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines = enumerate(text.splitlines(), 1)
    return sum(1 for number, line in lines if number not in docs and line.strip() and not line.strip().startswith("#"))


def test_code_lines_leave_out_the_documentation_blank_lines_and_comments():
    text = 'DOCUMENTATION = r"""\nmodule: x\n"""\n\n# why\nimport os\n\n\ndef f():\n    """Doc."""\n    return 1\n'
    assert code_lines(text) == 4


@pytest.mark.parametrize("name", sorted(f[:-3] for f in os.listdir(MODULES) if f.endswith(".py")))
def test_a_module_has_fewer_than_200_code_lines(name):
    with open(os.path.join(MODULES, f"{name}.py"), encoding="utf-8") as handle:
        lines = code_lines(handle.read())
    assert lines < LIMIT, f"{name}: {lines} code lines; move what modules share into plugins/module_utils"
