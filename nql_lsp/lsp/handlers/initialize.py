"""``initialize``: resolve the client's capabilities, the position encoding and the initial settings.

pygls has already chosen the position encoding (the client's first offer of utf-8, utf-16, utf-32) and
will compute the server's capabilities from the registered routes once this returns.
"""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.positions import encoding_of


def handle(ctx: Context, params: types.InitializeParams) -> None:
    encoding, root_path = ctx.client.negotiated()
    ctx.session.initialize(
        ResolvedCapabilities.of(params.capabilities), params.initialization_options, encoding_of(encoding), root_path
    )
