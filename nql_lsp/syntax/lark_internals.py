"""Every use of Lark beyond its public API, in one place, each with what it touches and why.

The parser needs three things Lark's public API does not give: the LALR tables (the fast path runs them
in a tight loop, and recovery asks a state's action row), the parser and lexer state of an interactive
parse (checkpoints save and restore the stacks; recovery moves the lexer past a bad character), and an
interactive parse that builds no nodes (trial repairs). Lark is pinned below its next minor release in
``pyproject.toml``; :func:`verify` names the internal that moved if a release changes one, and a test runs
it, so an upgrade fails loudly here rather than as odd parses.

Public API used elsewhere, not listed here: ``Lark(...)``, ``Lark.terminals``, ``parse_interactive``,
``InteractiveParser.feed_token / feed_eof / accepts / copy``, ``Token.new_borrow_pos``, ``Transformer``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

from lark import Lark
from lark import Token as LarkToken

# Internal: the action a table entry takes to shift (``lark.parsers.lalr_analysis.Shift``); the other
# action is a reduce by the rule that is the entry's argument.
from lark.parsers.lalr_analysis import Shift as SHIFT

__all__ = [
    "SHIFT",
    "ParseTable",
    "Tables",
    "accepts",
    "action_row",
    "advance_lexer",
    "export_table",
    "feed_eof",
    "lex",
    "lexer_offset",
    "rule_origin",
    "rule_size",
    "set_stacks",
    "silent_copy",
    "stacks",
    "state_map",
    "tables",
    "verify",
]
from lark.parsers.lalr_interactive_parser import InteractiveParser

#: The LALR action table: state -> terminal or rule-origin name -> (action, argument).
ParseTable = dict[int, dict[str, tuple[Any, Any]]]


@dataclass(frozen=True, slots=True)
class Tables:
    """What the fast path needs to run Lark's LALR automaton itself."""

    states: ParseTable
    start: int
    end: int
    # For each rule a reduce can take: how many values it pops, the nonterminal it makes, and the callback
    # that builds its node. Worked out once, so the fast path's loop does one lookup per reduce.
    reductions: dict[Any, tuple[int, str, Callable[[list[Any]], Any]]]


def tables(lark: Lark) -> Tables:
    """The LALR tables and tree callbacks of a ``parser="lalr"`` Lark.

    Internal: ``Lark.parser`` (a ``ParsingFrontend``) ``.parser`` (``LALR_Parser``) ``.parser``
    (``_Parser``) holding ``parse_table`` (``states``, ``start_states``, ``end_states``) and ``callbacks``.
    """
    lalr = lark.parser.parser.parser
    table = lalr.parse_table
    callbacks = lalr.callbacks
    reductions = {
        arg: (rule_size(arg), rule_origin(arg), callbacks[arg])
        for row in table.states.values()
        for action, arg in row.values()
        if action is not SHIFT
    }
    return Tables(table.states, table.start_states["start"], table.end_states["start"], reductions)


#: A reduce as the shipped table spells it (see ``syntax/lalr_table.py``): the nonterminal it makes, how
#: many values it pops, the builder callback's name, whether a single child stands for the node, and which
#: popped values it keeps, each with whether it is a helper rule's list to splice in (None: all, plainly).
RuleSpec = tuple[str, int, str, bool, tuple[tuple[int, bool], ...] | None]


def export_table(lark: Lark) -> tuple[int, int, list[dict[str, int]], list[RuleSpec]]:
    """The LALR automaton of a ``parser="lalr"`` Lark as plain data, to ship with the package so that a
    well-formed query parses without importing Lark (start-up time of the command line).

    Returns the start and end states, each state's actions by symbol (``n >= 0``: shift or go to state
    ``n``; ``n < 0``: reduce by rule ``~n``), and the rules. States are renumbered in breadth-first order
    from the start so the data is the same whatever numbering this process's Lark chose.

    Internal, besides :func:`tables`: ``Rule.alias``, ``Rule.options.expand1 / keep_all_tokens`` and
    ``Symbol.is_term / filter_out``, which decide (``lark.parse_tree_builder``) how a reduce builds its
    node: a ``?rule`` with one child is that child, and a helper rule (``_name``) is spliced into its parent.
    """
    t = tables(lark)
    order = _bfs_order(t.states, t.start)
    number = {state: i for i, state in enumerate(order)}
    rules: list[Any] = []
    rule_number: dict[Any, int] = {}
    states: list[dict[str, int]] = []
    for state in order:
        row: dict[str, int] = {}
        for symbol in sorted(t.states[state]):
            action, arg = t.states[state][symbol]
            if action is SHIFT:
                row[symbol] = number[arg]
            else:
                if arg not in rule_number:
                    rule_number[arg] = len(rules)
                    rules.append(arg)
                row[symbol] = ~rule_number[arg]
        states.append(row)
    return number[t.start], number[t.end], states, [_rule_spec(rule) for rule in rules]


def _bfs_order(states: ParseTable, start: int) -> list[int]:
    order, seen = [start], {start}
    for state in order:
        for symbol in sorted(states[state]):
            action, arg = states[state][symbol]
            if action is SHIFT and arg not in seen:
                seen.add(arg)
                order.append(arg)
    return order


def _rule_spec(rule: Any) -> RuleSpec:
    keep_all = bool(rule.options.keep_all_tokens)
    include = tuple(
        (i, not sym.is_term and sym.name.startswith("_"))
        for i, sym in enumerate(rule.expansion)
        if keep_all or not (sym.is_term and sym.filter_out)
    )
    plain = len(include) == len(rule.expansion) and not any(expand for _, expand in include)
    name = str(rule.alias or rule.origin.name)
    return (
        rule_origin(rule),
        rule_size(rule),
        name,
        bool(rule.options.expand1) and not rule.alias,
        None if plain else include,
    )


def state_map(
    lark: Lark, start: int, end: int, shipped: Sequence[dict[str, int]], rules: Sequence[RuleSpec]
) -> list[int] | None:
    """For each state of the shipped table, the same state in this Lark's own numbering; None if the two
    automata differ anywhere (then the shipped table is stale, and nothing may mix the two)."""
    t = tables(lark)
    live: list[int | None] = [None] * len(shipped)
    live[start] = t.start
    todo = [start]
    while todo:
        mine = todo.pop()
        theirs = live[mine]
        assert theirs is not None
        row, their_row = shipped[mine], t.states[theirs]
        if set(row) != set(their_row):
            return None
        for symbol, code in row.items():
            action, arg = their_row[symbol]
            if code >= 0:
                if action is not SHIFT:
                    return None
                if live[code] is None:
                    live[code] = arg
                    todo.append(code)
                elif live[code] != arg:
                    return None
            elif action is SHIFT or _rule_spec(arg) != rules[~code]:
                return None
    if any(state is None for state in live) or live[end] != t.end:
        return None
    return [state for state in live if state is not None]


def rule_size(rule: Any) -> int:
    """How many values a reduce by ``rule`` pops. Internal: ``Rule.expansion``."""
    return len(rule.expansion)


def rule_origin(rule: Any) -> str:
    """The nonterminal a reduce by ``rule`` produces. Internal: ``Rule.origin.name``."""
    return str(rule.origin.name)


def action_row(ip: InteractiveParser) -> dict[str, tuple[Any, Any]]:
    """The actions of the state an interactive parse is in, by terminal name.

    Internal: ``ParserState.parse_conf.parse_table.states`` and ``ParserState.position``.
    """
    state = ip.parser_state
    row: dict[str, tuple[Any, Any]] = state.parse_conf.parse_table.states[state.position]
    return row


def silent_copy(ip: InteractiveParser) -> InteractiveParser:
    """A copy that parses without building nodes: cheap, and it cannot disturb the original's values.

    Internal: ``ParserState.parse_conf`` (a ``ParseConf``) and its ``callbacks``, replaced on a copy.
    """
    trial: InteractiveParser = ip.copy(deepcopy_values=False)  # type: ignore[no-untyped-call]  # lark: untyped
    quiet = copy(trial.parser_state.parse_conf)
    quiet.callbacks = {}
    trial.parser_state.parse_conf = quiet
    return trial


def lex(ip: InteractiveParser) -> Iterator[LarkToken]:
    """The tokens from where the parse's lexer stands, lexed for the parser's state as it advances.

    Internal: ``InteractiveParser.lexer_thread.lex(parser_state)``, the contextual lexer's loop.
    """
    tokens: Iterator[LarkToken] = ip.lexer_thread.lex(ip.parser_state)  # type: ignore[no-untyped-call]
    return tokens


def stacks(ip: InteractiveParser) -> tuple[list[int], list[Any]]:
    """The parse's state and value stacks, live. Internal: ``ParserState.state_stack / value_stack``."""
    state = ip.parser_state
    return state.state_stack, state.value_stack


def set_stacks(ip: InteractiveParser, states: list[int], values: list[Any]) -> None:
    """Put the parse back in a state it was in before (a checkpoint)."""
    state = ip.parser_state
    state.state_stack = states
    state.value_stack = values


def _line_counter(ip: InteractiveParser) -> Any:
    state = ip.lexer_thread.state
    assert state is not None, "an interactive parse always has a lexer state"
    return state.line_ctr


def lexer_offset(ip: InteractiveParser) -> int:
    """Where the lexer stands in the text. Internal: ``LexerThread.state.line_ctr.char_pos``."""
    offset: int = _line_counter(ip).char_pos
    return offset


def advance_lexer(ip: InteractiveParser, skipped: str) -> None:
    """Move the lexer past ``skipped`` (text it is standing at) without lexing it.

    Internal: ``LexerThread.state.line_ctr.feed``, which also keeps the line and column counts right.
    """
    _line_counter(ip).feed(skipped)


# Typed faces of public but untyped methods of ``InteractiveParser``.


def accepts(ip: InteractiveParser) -> set[str]:
    """The terminal names the parse can take next."""
    names: set[str] = ip.accepts()  # type: ignore[no-untyped-call]  # lark: untyped
    return names


def feed_eof(ip: InteractiveParser, last: LarkToken | None = None) -> object:
    """End the input; the parse's result, or ``UnexpectedToken`` if the text cannot end here."""
    return ip.feed_eof(last)  # type: ignore[no-untyped-call]  # lark: untyped


def verify(lark: Lark) -> None:
    """Raise naming the internal that is missing or changed, if this Lark release differs from what the
    functions above expect. Cheap; a test runs it on the project's own grammar."""
    problems: list[str] = []

    def need(what: str, check: Callable[[], object]) -> None:
        try:
            if not check():
                problems.append(what)
        except Exception as error:  # any failure to reach the internal is the news
            problems.append(f"{what} ({type(error).__name__}: {error})")

    need("Lark.parser.parser.parser.parse_table", lambda: tables(lark).states)
    need("Lark.parser.parser.parser.callbacks", lambda: tables(lark).reductions)
    need("lalr_analysis.Shift is a table action", lambda: _any_shift(tables(lark).states))
    need("Rule.expansion and Rule.origin.name", lambda: _a_rule_reads(tables(lark).states))
    need("Rule.alias / options, Symbol.is_term / filter_out", lambda: export_table(lark)[3])
    ip = lark.parse_interactive("")
    need("ParserState.parse_conf.parse_table.states[position]", lambda: isinstance(action_row(ip), dict))
    need("ParserState.parse_conf.callbacks", lambda: isinstance(ip.parser_state.parse_conf.callbacks, dict))
    need("ParserState.state_stack / value_stack", lambda: isinstance(stacks(ip)[0], list))
    need("LexerThread.state.line_ctr.char_pos / feed", lambda: lexer_offset(ip) == 0 and _line_counter(ip).feed)
    need("InteractiveParser.copy(deepcopy_values=False)", lambda: silent_copy(ip) is not ip)
    need("LexerThread.lex(parser_state)", lambda: iter(lex(ip)) is not None)
    if problems:
        raise RuntimeError("this Lark release changed internals nql-lsp uses: " + "; ".join(problems))


def _a_rule_reads(states: ParseTable) -> bool:
    rule = next(arg for row in states.values() for action, arg in row.values() if action is not SHIFT)
    return rule_size(rule) >= 0 and bool(rule_origin(rule))


def _any_shift(states: ParseTable) -> bool:
    return any(action is SHIFT for row in states.values() for action, _ in row.values())
