"""The record classes (:mod:`nql_lsp.language.records`), re-exported where the syntax room has long found them."""

from __future__ import annotations

from nql_lsp.language.records import FrozenRecord, Record, ValueRecord, fields_of

__all__ = ["FrozenRecord", "Record", "ValueRecord", "fields_of"]
