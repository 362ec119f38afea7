"""``initialize``: resolve the client's capabilities, the position encoding and the initial settings.

pygls has already chosen the position encoding (the client's first offer of utf-8, utf-16, utf-32) and
will compute the server's capabilities from the registered routes once this returns. The workspace folders
(or the root, from clients that send only that) are where an export is looked for when ``nql.runs`` names
none.
"""

from __future__ import annotations

from lsprotocol import types
from pygls import uris

from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.positions import encoding_of


def handle(ctx: Context, params: types.InitializeParams) -> None:
    encoding, root_path = ctx.client.negotiated()
    ctx.session.initialize(
        ResolvedCapabilities.of(params.capabilities), params.initialization_options, encoding_of(encoding), root_path
    )
    ctx.session.runs.folders = workspace_folders(params, root_path)


def workspace_folders(params: types.InitializeParams, root_path: str | None) -> list[str]:
    """The workspace folders as paths (those that are ``file:`` URIs), else the root; none without either."""
    folders = [path for f in params.workspace_folders or () if (path := uris.to_fs_path(f.uri)) is not None]
    return folders or ([root_path] if root_path else [])
