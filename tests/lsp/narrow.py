"""lsprotocol's optional and union fields narrowed to what the server sends, failing the test if not."""

from __future__ import annotations

from lsprotocol import types


def text_edit(item: types.CompletionItem) -> types.TextEdit:
    """A completion item's edit: the server always sends a plain TextEdit."""
    edit = item.text_edit
    assert isinstance(edit, types.TextEdit), edit
    return edit


def workspace_edits(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    """The text edits of a workspace edit on ``uri``, given as document changes or as changes by URI."""
    assert edit is not None
    if edit.document_changes:
        [change] = edit.document_changes
        assert isinstance(change, types.TextDocumentEdit), change
        return [e for e in change.edits if isinstance(e, types.TextEdit)]
    assert edit.changes is not None
    return list(edit.changes[uri])


def markup(contents: object) -> str:
    """The text of hover or documentation contents: the server sends MarkupContent."""
    assert isinstance(contents, types.MarkupContent), contents
    return contents.value
