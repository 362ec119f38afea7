"""Records stand in for dataclasses: the same repr, and value equality where dataclasses had it."""

from __future__ import annotations

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.syntax.parser import parse
from nql_lsp.syntax.tree import Token


def test_a_value_record_equals_one_with_equal_fields_and_is_unhashable() -> None:
    text = "`a`:int = 1"
    first, second = analyze(text), analyze(text)
    assert first.clauses[0] != second.clauses[0]  # each holds its own clause node: nodes compare by identity
    info = first.clauses[0]
    twin = type(info)(info.clause, info.path, info.type, info.type_written, info.field, info.aggregate, info.op, "1")
    assert twin == info and twin != type(info)(
        info.clause, "b", *[getattr(info, n) for n in ("type", "type_written", "field", "aggregate", "op", "value")]
    )
    with pytest.raises(TypeError):
        hash(info)


def test_records_print_their_fields_in_constructor_order() -> None:
    info = analyze("`a`:int = 1").clauses[0]
    assert repr(info).startswith("ClauseInfo(clause=Clause(lhs=Field(name=Name(token=QNAME('`a`'@0)), colon=")
    assert repr(info).endswith(
        ", path='a', type='int', type_written=True, field=None, aggregate=None, op='=', value='1')"
    )
    tree = parse("x:int = 1").tree
    assert repr(tree).startswith("Query(expr=Clause(") and repr(tree).endswith(
        ", length=9, tokens=[" + ", ".join(repr(t) for t in tree.tokens) + "])"
    )
    assert repr(Token("WORD", "x", 0, 1)) == "WORD('x'@0)"


def test_a_frozen_record_equals_and_hashes_by_its_fields_as_a_frozen_dataclass() -> None:
    from nql_lsp.diagnostics import Diagnostic, Edit, Fix, Related, Severity, make

    a = make("NQL104", "no type", 0, 3, (Fix("Add `:int`", (Edit(3, 3, ":int"),)),))
    b = make("NQL104", "no type", 0, 3, (Fix("Add `:int`", (Edit(3, 3, ":int"),)),))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != make("NQL104", "no type", 0, 4, a.fixes)
    assert Edit(1, 2, "x") != Related(1, 2, "x")  # another class, whatever its fields
    assert repr(Edit(1, 2, "x")) == "Edit(start=1, end=2, new_text='x')"
    assert a.severity is Severity.WARNING and isinstance(a, Diagnostic)


def test_replace_copies_a_record_with_some_fields_changed() -> None:
    from nql_lsp.diagnostics import make
    from nql_lsp.language.schema import SYSTEM_SCHEMA

    d = make("NQL110", "unknown field", 4, 9)
    moved = d.replace(start=14, end=19)
    assert (moved.code, moved.message, moved.start, moved.end) == ("NQL110", "unknown field", 14, 19)
    assert (d.start, d.end) == (4, 9)  # the original is left as it was
    info = SYSTEM_SCHEMA.field("sys/id")
    assert info is not None
    noted = info.replace(note="not exported")
    assert noted.note == "not exported" and noted.path == "sys/id" and info.note == ""
    with pytest.raises(TypeError):
        d.replace(colour="red")
