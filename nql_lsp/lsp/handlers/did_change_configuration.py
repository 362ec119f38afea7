"""``workspace/didChangeConfiguration``: the settings sent, or (for clients that serve it) pulled."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.settings import SECTION


async def handle(ctx: Context, params: types.DidChangeConfigurationParams) -> None:
    raw = params.settings
    if isinstance(raw, dict) and SECTION in raw:
        apply(ctx, raw[SECTION])
    elif ctx.session.capabilities.configuration:
        await pull(ctx)
    elif raw is not None:
        apply(ctx, raw)


async def pull(ctx: Context) -> None:
    """The client's ``workspace/configuration``, where it serves it."""
    if not ctx.session.capabilities.configuration:
        return
    raw = await ctx.client.configuration()
    if raw is not None:
        apply(ctx, raw)


def apply(ctx: Context, raw: Any) -> None:
    """Settings from the client over those of ``initialize``; the subscribers follow any change."""
    for problem in ctx.session.settings.update(raw):
        ctx.client.show(f"nql-lsp: {problem}")
