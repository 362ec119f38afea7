"""The NQL language server: the one place that wires LSP messages to the feature modules in :mod:`nql_lsp.lsp`.

Handlers only translate. The state has one home each: open documents, their analysis snapshots and the
schema in :class:`~nql_lsp.lsp.documents.Documents`, settings in :class:`~nql_lsp.lsp.settings.Settings`,
what the client can take in :class:`~nql_lsp.lsp.client.ClientFlags`.

Start-up is kept light: the parser and the feature modules are imported on first use (or just after
``initialized``), so the answer to ``initialize`` costs what a bare pygls server's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial, wraps
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from nql_lsp import __version__
from nql_lsp.features.tokens import TOKEN_MODIFIERS, TOKEN_TYPES
from nql_lsp.lsp import python
from nql_lsp.lsp.client import ClientFlags
from nql_lsp.lsp.documents import Document, Documents, encoding_of
from nql_lsp.lsp.positions import Positions
from nql_lsp.lsp.runs import EXPLAIN_COMMAND, PREVIEW_COMMAND, RunsState
from nql_lsp.lsp.settings import SECTION, Settings, parse_settings, section_of
from nql_lsp.lsp.token_deltas import TokenResults

log = logging.getLogger("nql_lsp")
_R = TypeVar("_R")

COMPLETION_TRIGGERS = [":", "(", "`", '"', "/"]


class _Unreadable:
    """A request whose params could not be read: answered with an error instead of being dropped."""

    jsonrpc = "2.0"

    def __init__(self, msg_id: Any, method: str, error: JsonRpcException) -> None:
        self.id = msg_id
        self.method = method
        self.error = error


class NqlProtocol(LanguageServerProtocol):
    """pygls's protocol, except that a request with unreadable params gets an error response, so a client
    never waits forever on a message the server could not understand."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                return _Unreadable(data["id"], str(data["method"]), exc)
            raise

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        """Changes are applied by :class:`~nql_lsp.lsp.documents.Document` (lines broken as LSP breaks
        them), not by pygls's workspace, which splits lines where Python does (U+2028 and others)."""
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Unreadable):
            error = JsonRpcInvalidParams(f"{message.method}: the params could not be read")
            self._send_response(message.id, None, error.to_response_error())
            return
        super().handle_message(message)


class NqlLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "nql-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=NqlProtocol,
        )
        self.documents = Documents()
        self.documents.listeners.append(self.refresh_diagnostics)
        self.settings = Settings()
        self.initial_settings: Any = None  # initializationOptions, under any later configuration
        self.settings_generation = 0
        self.flags = ClientFlags()
        self.token_results = TokenResults()
        self._pending: set[str] = set()
        self.runs = RunsState()
        self._reporting = False
        self._runs_wanted: tuple[str, str | None] | None = None  # ("off", None) or ("load", path or None)
        # Full analyses run here, one at a time, off the event loop.
        self._analysis_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nql-analysis")
        self._analyses: dict[tuple[str, int, int], asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self._problems: list[str] = []

    # --- helpers -----------------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        try:
            return encoding_of(self.workspace.position_encoding)
        except RuntimeError:
            return "utf-16"

    def positions(self, doc: Document) -> Positions:
        return Positions(lambda: doc.lines, self.encoding)  # type: ignore[arg-type]

    def doc(self, uri: str) -> Document | None:
        return self.documents.get(uri)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors go to the client's log, not into pop-ups: the server carries on either way.

        When the connection itself is what failed (the client has gone), sending the report fails too and
        reports again: only the first report of a chain is sent, so a closed pipe ends in one log line.
        """
        log.error("%s", error)
        if self._reporting:
            return
        self._reporting = True
        try:
            with contextlib.suppress(Exception):
                self.window_log_message(
                    types.LogMessageParams(type=types.MessageType.Error, message=f"nql-lsp: {error}")
                )
        finally:
            self._reporting = False

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # --- settings ----------------------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        """Settings from the client's configuration over those given at ``initialize``."""
        if raw is not None and not isinstance(raw, dict):
            settings, problems = parse_settings(raw)
        else:
            settings, problems = parse_settings({**section_of(self.initial_settings), **section_of(raw)})
        for problem in problems:
            self.show(f"nql-lsp: {problem}")
        if settings != self.settings:
            self.settings = settings
            self.settings_generation += 1
            python.configure(self.documents, settings.python_enable)
            self.refresh_diagnostics()
            self.start_runs()

    async def pull_settings(self) -> None:
        if not self.flags.configuration:
            return
        try:
            result = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as e:  # a client that fails the request keeps the current settings
            log.warning("workspace/configuration failed: %s", e)
            return
        if result:
            self.apply_settings(result[0])

    # --- diagnostics -------------------------------------------------------------------------------

    def schedule_diagnostics(self, uri: str) -> None:
        """Publish after the current message: changes that arrive together are analysed once."""
        if self.flags.pull_diagnostics or uri in self._pending:
            return
        self._pending.add(uri)
        asyncio.get_running_loop().call_soon(self._publish, uri)

    def _publish(self, uri: str) -> None:
        """Publish at once when the diagnostics come cheap; otherwise analyse on the worker thread."""
        self._pending.discard(uri)
        doc = self.doc(uri)
        if doc is None or self._send_quick(doc):
            return
        task = asyncio.ensure_future(self._publish_full(doc))
        self._tasks.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)

    async def _publish_full(self, doc: Document) -> None:
        version = doc.version
        try:
            await self.ensure_snapshots(doc)
        except Exception as e:
            self.report_server_error(e, None)
            return
        if self.doc(doc.uri) is not doc or doc.version != version:
            return  # a newer version has been scheduled; this result is stale
        self._send_quick(doc)

    def _send_quick(self, doc: Document) -> bool:
        """Send the diagnostics if they come cheap; False when the whole text must be analysed first.

        A failure counts as done: it is reported, and a full analysis would only fail the same way.
        """
        try:
            quick = self.documents.quick_diagnostics(doc)
        except Exception as e:
            self.report_server_error(e, None)
            return True
        if quick is None:
            return False
        self._send_diagnostics(doc, quick)
        return True

    def _send_diagnostics(self, doc: Document, found: list) -> None:
        from nql_lsp.lsp.diagnostics import lsp_diagnostics

        try:
            items = lsp_diagnostics(self.documents, doc, self.positions(doc), self.settings.severity, self.flags, found)
        except Exception as e:
            self.report_server_error(e, None)
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=items, version=doc.version)
        )

    async def ensure_snapshots(self, doc: Document) -> None:
        """Have the document's snapshots computed, on the analysis thread so the event loop keeps reading
        messages (a cancel, a newer change) meanwhile. Requests for the same text share one analysis."""
        if self.documents.fresh(doc) is not None:
            return
        plan = self.documents.plan(doc)
        key = (doc.uri, id(plan.regions), plan.generation)
        running = self._analyses.get(key)
        if running is None:
            wanted = partial(self.documents.current, doc, plan)  # skip it if the text moves on while queued
            running = asyncio.get_running_loop().run_in_executor(self._analysis_pool, plan.run, wanted)
            self._analyses[key] = running
            running.add_done_callback(lambda _: self._analyses.pop(key, None))
        snapshots = await asyncio.shield(running)
        self.documents.store(doc, plan, snapshots)

    def refresh_diagnostics(self) -> None:
        if self.flags.pull_diagnostics:
            if self.flags.diagnostic_refresh:
                self.workspace_diagnostic_refresh(None)
            return
        for doc in self.documents:
            self.schedule_diagnostics(doc.uri)

    # --- runs ------------------------------------------------------------------------------------------

    def start_runs(self) -> None:
        """Load the runs ``nql.runs`` names, unless they are what is loaded or loading already."""
        from nql_lsp.lsp.runs import resolve

        setting = self.settings.runs
        try:
            root = self.workspace.root_path
        except RuntimeError:
            root = None
        wanted = ("off", None) if setting is None else ("load", resolve(setting, root))
        if wanted == self._runs_wanted:
            return
        self._runs_wanted = wanted
        if self.runs.task is not None:
            self.runs.task.cancel()
            self.runs.task = None
        if wanted[0] == "off":
            self._runs_loaded(None, None, learned=False)
            return
        self.runs.task = asyncio.get_running_loop().create_task(self._load_runs(wanted))

    async def _load_runs(self, wanted: tuple[str, str | None]) -> None:
        from nql_lsp.lsp.runs import load
        from nql_lsp.runs import RunsError

        path = wanted[1]
        loop = asyncio.get_running_loop()
        token: str | None = None
        if self.flags.work_done_progress:
            token = f"nql-runs-{id(wanted)}"
            try:
                await self.work_done_progress.create_async(token)
                self.work_done_progress.begin(
                    token,
                    types.WorkDoneProgressBegin(
                        title="Loading runs", message=path or "bundled sample", cancellable=False
                    ),
                )
            except Exception:  # a client that refuses progress still gets the runs
                token = None

        stopped = threading.Event()  # set when this load is abandoned: its thread may still be reading

        def send_report(message: str) -> None:
            if token is not None and not stopped.is_set():
                self.work_done_progress.report(token, types.WorkDoneProgressReport(message=message))

        def report(message: str) -> None:  # called from the loading thread
            if token is not None and not stopped.is_set():
                loop.call_soon_threadsafe(send_report, message)

        runs, error = None, None
        try:
            runs = await asyncio.to_thread(load, path, report)
        except asyncio.CancelledError:
            stopped.set()
            raise  # the setting changed or the server is exiting: nothing more to tell the client
        except RunsError as e:
            error = str(e)
        except Exception as e:  # anything else a reader trips on is still the file's problem
            error = f"{path or 'the bundled sample'}: could not be read ({type(e).__name__}: {e})"
        if token is not None:
            self.work_done_progress.end(
                token,
                types.WorkDoneProgressEnd(
                    message="failed" if error else f"{len(runs) if runs is not None else 0:,} runs"
                ),
            )
        if self._runs_wanted != wanted:
            return  # the setting changed while this loaded
        self.runs.task = None
        if error is not None:
            self.show(f"nql-lsp: {error}. Previews are off; fix the file or change nql.runs.")
        # The bundled sample is a demonstration: its fields are not the user's, so they do not become
        # the schema that unknown-field warnings are judged against.
        self._runs_loaded(runs, error, learned=path is not None)

    def _runs_loaded(self, runs: Any, error: str | None, *, learned: bool) -> None:
        from nql_lsp.lsp.runs import apply_loaded

        apply_loaded(self.runs, self.documents, runs, error, learned=learned)
        with contextlib.suppress(Exception):
            if self.flags.code_lens_refresh:
                self.workspace_code_lens_refresh(None)
            if self.flags.inlay_hint_refresh:
                self.workspace_inlay_hint_refresh(None)

    @staticmethod
    def warm_up() -> None:
        """Load the parser and the feature modules on the analysis thread while the client sets up."""
        try:
            from nql_lsp.analysis.analyze import analyze
            from nql_lsp.lsp import (  # noqa: F401
                code_actions,
                completion,
                diagnostics,
                folding,
                formatting,
                hover,
                selection,
                semantic_tokens,
                signature_help,
                symbols,
            )

            analyze("")
        except Exception:  # whatever failed here fails again, and is reported, on first use
            log.exception("warm-up failed")


def _request(default: Callable[[], _R], full: bool = True) -> Callable[[Callable[..., _R]], Callable[..., Any]]:
    """An async request handler over an open document.

    It waits for the document's analysis (run off the event loop), during which a ``$/cancelRequest``
    cancels it (with ``full=False``, cheap diagnostics need no full analysis); a request whose document
    changed meanwhile is refused with ContentModified; a failure is logged and answered with
    ``default()``, never a traceback.
    """

    def wrap(fn: Callable[..., _R]) -> Callable[..., Any]:
        @wraps(fn)
        async def handler(ls: NqlLanguageServer, params: Any) -> Any:
            doc = ls.doc(params.text_document.uri)
            if doc is None:
                return default()
            version = doc.version
            await asyncio.sleep(0)
            try:
                if full or ls.documents.quick_diagnostics(doc) is None:
                    await ls.ensure_snapshots(doc)
            except Exception as e:
                ls.report_server_error(e, None)
                return default()
            if ls.doc(doc.uri) is not doc or doc.version != version:
                raise JsonRpcContentModified(f"{doc.uri} changed")
            try:
                return fn(ls, doc, params)
            except Exception as e:
                ls.report_server_error(e, None)
                return default()

        return handler

    return wrap


def _guard(fn: Callable[..., None]) -> Callable[..., None]:
    @wraps(fn)
    def handler(ls: NqlLanguageServer, params: Any) -> None:
        try:
            fn(ls, params)
        except Exception as e:
            ls.report_server_error(e, None)

    return handler


def create_server() -> NqlLanguageServer:
    server = NqlLanguageServer()
    feature = server.feature

    # --- lifecycle and configuration ---------------------------------------------------------------

    @feature(types.INITIALIZE)
    def initialize(ls: NqlLanguageServer, params: types.InitializeParams) -> None:
        ls.flags = ClientFlags.of(params.capabilities)
        ls.initial_settings = params.initialization_options
        settings, problems = parse_settings(params.initialization_options)
        ls.settings = settings
        python.configure(ls.documents, settings.python_enable)
        ls._problems = problems
        if ls.flags.pull_diagnostics and types.TEXT_DOCUMENT_DIAGNOSTIC not in ls.protocol.fm.features:
            feature(
                types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="nql", inter_file_dependencies=False, workspace_diagnostics=False),
            )(document_diagnostic)

    @feature(types.INITIALIZED)
    async def initialized(ls: NqlLanguageServer, params: types.InitializedParams) -> None:
        for problem in ls._problems:
            ls.show(f"nql-lsp: {problem}")
        ls._problems = []
        asyncio.get_running_loop().run_in_executor(ls._analysis_pool, ls.warm_up)
        await ls.pull_settings()
        ls.start_runs()

    @feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: NqlLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        raw = params.settings
        if isinstance(raw, dict) and SECTION in raw:
            ls.apply_settings(raw[SECTION])
        elif ls.flags.configuration:
            await ls.pull_settings()
        elif raw is not None:
            ls.apply_settings(raw)

    # --- documents ---------------------------------------------------------------------------------

    @feature(types.TEXT_DOCUMENT_DID_OPEN)
    @_guard
    def did_open(ls: NqlLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        if ls.documents.open(item.uri, item.language_id, item.version, item.text) is not None:
            ls.schedule_diagnostics(item.uri)

    @feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @_guard
    def did_change(ls: NqlLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return
        doc.apply(params.content_changes, params.text_document.version, ls.encoding)  # type: ignore[arg-type]
        ls.schedule_diagnostics(doc.uri)

    @feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_guard
    def did_close(ls: NqlLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.doc(uri) is None:
            return
        ls.documents.close(uri)
        ls.token_results.forget(uri)
        if not ls.flags.pull_diagnostics:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # --- features ----------------------------------------------------------------------------------

    @_request(lambda: types.RelatedFullDocumentDiagnosticReport(items=[]), full=False)
    def document_diagnostic(
        ls: NqlLanguageServer, doc: Document, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        from nql_lsp.lsp.diagnostics import lsp_diagnostics

        result_id = f"{doc.version}/{ls.documents.generation}/{ls.settings_generation}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        items = lsp_diagnostics(ls.documents, doc, ls.positions(doc), ls.settings.severity, ls.flags)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)

    @feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=COMPLETION_TRIGGERS))
    @_request(lambda: None)
    def completion(ls: NqlLanguageServer, doc: Document, params: types.CompletionParams) -> types.CompletionList:
        from nql_lsp.lsp.completion import completion

        return completion(ls.documents, doc, params.position, ls.positions(doc), ls.flags)

    @feature(types.TEXT_DOCUMENT_HOVER)
    @_request(lambda: None)
    def hover(ls: NqlLanguageServer, doc: Document, params: types.HoverParams) -> types.Hover | None:
        from nql_lsp.lsp.hover import hover

        return hover(ls.documents, doc, params.position, ls.positions(doc), ls.flags)

    @feature(types.TEXT_DOCUMENT_FORMATTING)
    @_request(list)
    def formatting(
        ls: NqlLanguageServer, doc: Document, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit]:
        from nql_lsp.lsp.formatting import format_document

        return format_document(doc, ls.positions(doc), ls.settings.line_width)

    @feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    @_request(list)
    def range_formatting(
        ls: NqlLanguageServer, doc: Document, params: types.DocumentRangeFormattingParams
    ) -> list[types.TextEdit]:
        from nql_lsp.lsp.formatting import format_document_range

        return format_document_range(doc, params.range, ls.positions(doc), ls.settings.line_width)

    @feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=["quickfix", "source.fixAll.nql", "source.format.nql"]),
    )
    @_request(list)
    def code_action(ls: NqlLanguageServer, doc: Document, params: types.CodeActionParams) -> list[types.CodeAction]:
        from nql_lsp.lsp.code_actions import code_actions

        return code_actions(
            ls.documents, doc, params, ls.positions(doc), ls.settings.severity, ls.settings.line_width, ls.flags
        )

    legend = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, legend)
    @_request(lambda: types.SemanticTokens(data=[]))
    def semantic_tokens_full(
        ls: NqlLanguageServer, doc: Document, params: types.SemanticTokensParams
    ) -> types.SemanticTokens:
        from nql_lsp.lsp.semantic_tokens import semantic_tokens

        return ls.token_results.full(doc.uri, semantic_tokens(ls.documents, doc, ls.positions(doc), ls.flags))

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, legend)
    @_request(lambda: types.SemanticTokens(data=[]))
    def semantic_tokens_delta(
        ls: NqlLanguageServer, doc: Document, params: types.SemanticTokensDeltaParams
    ) -> types.SemanticTokens | types.SemanticTokensDelta:
        from nql_lsp.lsp.semantic_tokens import semantic_tokens

        tokens = semantic_tokens(ls.documents, doc, ls.positions(doc), ls.flags)
        return ls.token_results.delta(doc.uri, params.previous_result_id, tokens)

    @feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, legend)
    @_request(lambda: types.SemanticTokens(data=[]))
    def semantic_tokens_range(
        ls: NqlLanguageServer, doc: Document, params: types.SemanticTokensRangeParams
    ) -> types.SemanticTokens:
        from nql_lsp.lsp.semantic_tokens import semantic_tokens

        return semantic_tokens(ls.documents, doc, ls.positions(doc), ls.flags, params.range)

    @feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["("], retrigger_characters=[":"]),
    )
    @_request(lambda: None)
    def signature_help(
        ls: NqlLanguageServer, doc: Document, params: types.SignatureHelpParams
    ) -> types.SignatureHelp | None:
        from nql_lsp.lsp.signature_help import signature_help

        return signature_help(ls.documents, doc, params.position, ls.positions(doc), ls.flags)

    @feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    @_request(list)
    def folding_range(
        ls: NqlLanguageServer, doc: Document, params: types.FoldingRangeParams
    ) -> list[types.FoldingRange]:
        from nql_lsp.lsp.folding import folding_ranges

        return folding_ranges(ls.documents, doc, ls.positions(doc))

    @feature(types.TEXT_DOCUMENT_SELECTION_RANGE)
    @_request(list)
    def selection_range(
        ls: NqlLanguageServer, doc: Document, params: types.SelectionRangeParams
    ) -> list[types.SelectionRange]:
        from nql_lsp.lsp.selection import selection_ranges

        return selection_ranges(ls.documents, doc, params.positions, ls.positions(doc))

    @feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_request(list)
    def document_symbol(ls: NqlLanguageServer, doc: Document, params: types.DocumentSymbolParams) -> list:
        from nql_lsp.lsp.symbols import document_symbols

        return document_symbols(ls.documents, doc, ls.positions(doc), ls.flags)

    # --- runs: lenses, hints and the preview commands ---------------------------------------------------

    async def over_runs(
        ls: NqlLanguageServer, uri: Any, fn: Callable[..., _R], *args: Any, default: _R, stale: bool = True
    ) -> _R:
        """``fn(runs, snapshots, *args)`` in a worker thread over this version's snapshots.

        Without a document or runs, or on failure, the answer is ``default``; with ``stale``, a document
        changed meanwhile refuses the result with ContentModified (positions in it would be wrong).
        """
        doc = ls.doc(uri) if isinstance(uri, str) else None
        if doc is None:
            return default
        version = doc.version
        try:
            await ls.ensure_snapshots(doc)
            result = await asyncio.to_thread(fn, ls.runs, ls.documents.snapshots(doc), *args)
        except Exception as e:
            ls.report_server_error(e, None)
            return default
        if stale and (ls.doc(doc.uri) is not doc or doc.version != version):
            raise JsonRpcContentModified(f"{doc.uri} changed")
        return result

    @feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: NqlLanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        from nql_lsp.lsp.runs import code_lenses

        uri = params.text_document.uri
        doc = ls.doc(uri)
        if doc is None or not ls.runs.ready:
            return []
        return await over_runs(ls, uri, code_lenses, uri, ls.positions(doc), default=[])

    @feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hint(ls: NqlLanguageServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        from nql_lsp.lsp.runs import inlay_hints

        doc = ls.doc(params.text_document.uri)
        if doc is None or not ls.runs.ready:
            return []
        return await over_runs(ls, doc.uri, inlay_hints, ls.positions(doc), params.range, default=[])

    def arg(args: tuple[Any, ...], i: int, default: Any = None) -> Any:
        return args[i] if len(args) > i else default

    @server.command(PREVIEW_COMMAND)
    async def preview_command(ls: NqlLanguageServer, *args):  # the arguments are raw JSON
        """``nql.preview [uri, queryIndex]``: the runs the query matches."""
        from nql_lsp.lsp.runs import error_result, preview_command

        return await over_runs(
            ls,
            arg(args, 0),
            preview_command,
            arg(args, 1, 0),
            stale=False,
            default=error_result("nql.preview takes the URI of an open document"),
        )

    @server.command(EXPLAIN_COMMAND)
    async def explain_command(ls: NqlLanguageServer, *args):  # the arguments are raw JSON
        """``nql.explain [uri, runId, queryIndex]``: why that run is or is not returned."""
        from nql_lsp.lsp.runs import error_result, explain_command

        return await over_runs(
            ls,
            arg(args, 0),
            explain_command,
            arg(args, 1),
            arg(args, 2, 0),
            stale=False,
            default=error_result("nql.explain takes the URI of an open document and a run id"),
        )

    return server


def serve(transport: str = "stdio", host: str = "127.0.0.1", port: int = 2087) -> None:
    """Serve LSP over ``stdio``, ``tcp`` or ``ws`` (WebSocket, with the ``ws`` extra)."""
    logging.basicConfig(level=logging.WARNING, format="nql-lsp: %(levelname)s %(message)s")
    # While the analysis thread works, the event loop (reading cancels and changes) gets the GIL within
    # a millisecond rather than Python's default five.
    sys.setswitchinterval(0.001)
    server = create_server()
    if transport == "tcp":
        server.start_tcp(host, port)
    elif transport == "ws":
        server.start_ws(host, port)
    else:
        server.start_io()
