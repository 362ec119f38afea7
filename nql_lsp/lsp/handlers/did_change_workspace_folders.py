"""``workspace/didChangeWorkspaceFolders``: the folders an export is looked for in, when ``nql.runs`` names none."""

from __future__ import annotations

from lsprotocol import types
from pygls import uris

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.runs_loading import folders_changed


async def handle(ctx: Context, params: types.DidChangeWorkspaceFoldersParams) -> None:
    added = [path for f in params.event.added or () if (path := uris.to_fs_path(f.uri)) is not None]
    removed = [path for f in params.event.removed or () if (path := uris.to_fs_path(f.uri)) is not None]
    await folders_changed(ctx, added, removed)
