"""The record classes (:mod:`nql_lsp.records`), where the syntax room and the rooms after it import them."""

from __future__ import annotations

from nql_lsp.records import FrozenRecord, Record, ValueRecord, fields_of

__all__ = ["FrozenRecord", "Record", "ValueRecord", "fields_of"]
