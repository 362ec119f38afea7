// The query editor: CodeMirror 6 with nql-lsp's own language server behind a WebSocket, so diagnostics,
// completion, hover and formatting are the server's, as in any other editor.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { lintGutter } from "@codemirror/lint";
import { LSPClient, type Transport, languageServerExtensions } from "@codemirror/lsp-client";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { type ServerDiagnostic, showDiagnostics } from "./fixes";

export const DOCUMENT_URI = "untitled:explore/query.nql";

const WORDS = /^(AND|OR|NOT|CONTAINS|MATCHES|EXISTS)\b/i;
const AGGREGATES = /^(last|min|max|average|variance)\b/;

const nql = StreamLanguage.define<{ afterColon: boolean }>({
  name: "nql",
  startState: () => ({ afterColon: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return "string";
    if (stream.match(/^`(?:[^`\\]|\\.)*`?/)) return "variableName";
    if (stream.match(/^-?\d+(\.\d+)?([eE][-+]?\d+)?/)) return "number";
    if (stream.match(WORDS)) return "keyword";
    if (stream.match(/^(true|false)\b/i)) return "bool";
    if (stream.match(/^(==|!=|>=|<=|=|>|<)/)) return "operator";
    if (stream.match(/^[()]/)) return "paren";
    if (stream.eat(":")) {
      state.afterColon = true;
      return "punctuation";
    }
    if (state.afterColon && stream.match(/^[A-Za-z]+/)) {
      state.afterColon = false;
      return "typeName";
    }
    if (stream.match(AGGREGATES) && stream.peek() === "(") return "function";
    if (stream.match(/^[^\s:()"'=<>!`]+/)) return "propertyName";
    stream.next();
    return null;
  },
});

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "#8250df", fontWeight: "600" },
  { tag: tags.string, color: "#0a7f3f" },
  { tag: tags.number, color: "#b35900" },
  { tag: tags.bool, color: "#b35900" },
  { tag: tags.typeName, color: "#0969da" },
  { tag: tags.propertyName, color: "#1f2328" },
  { tag: tags.variableName, color: "#1f2328" },
  { tag: tags.operator, color: "#cf222e" },
  { tag: tags.function(tags.variableName), color: "#8250df" },
]);

export interface Diagnostic {
  message: string;
  severity?: number;
  code?: string | number;
}

// Resolves once the socket is open; reports its close so the page can say the editor lost its server.
function socketTransport(url: string, onClose: () => void): Promise<Transport> {
  const handlers: ((value: string) => void)[] = [];
  const socket = new WebSocket(url);
  socket.onmessage = (e) => {
    for (const h of handlers) h(String(e.data));
  };
  return new Promise((resolve, reject) => {
    socket.onopen = () =>
      resolve({
        send: (message: string) => socket.send(message),
        subscribe: (h: (value: string) => void) => handlers.push(h),
        unsubscribe: (h: (value: string) => void) => {
          const i = handlers.indexOf(h);
          if (i >= 0) handlers.splice(i, 1);
        },
      });
    socket.onerror = () => reject(new Error("the editor could not reach its language server"));
    socket.onclose = onClose;
  });
}

export interface EditorHooks {
  onChange: (text: string) => void;
  onDiagnostics: (found: Diagnostic[]) => void;
  onStatus: (text: string) => void;
}

export async function createEditor(parent: HTMLElement, initial: string, wsUrl: string, hooks: EditorHooks) {
  const base = [
    history(),
    closeBrackets(),
    autocompletion({ activateOnTyping: true }),
    nql,
    syntaxHighlighting(highlight),
    lintGutter(),
    placeholder("an NQL query, e.g. val/acc:floatSeries > 0.9 AND sys/tags CONTAINS \"baseline\""),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
    EditorView.lineWrapping,
    EditorView.updateListener.of((u) => {
      if (u.docChanged) hooks.onChange(u.state.doc.toString());
    }),
  ];
  let lsp: ReturnType<LSPClient["plugin"]> | [] = [];
  try {
    const transport = await socketTransport(wsUrl, () => hooks.onStatus("the language server disconnected; reload"));
    const client = new LSPClient({
      extensions: languageServerExtensions(),
      timeout: 10000,
      notificationHandlers: {
        "textDocument/publishDiagnostics": (
          lspClient,
          params: { uri: string; version?: number; diagnostics: ServerDiagnostic[] },
        ) => {
          if (params.uri !== DOCUMENT_URI) return false;
          hooks.onDiagnostics(params.diagnostics);
          return showDiagnostics(lspClient, params); // with the server's quick fixes
        },
      },
    }).connect(transport);
    lsp = client.plugin(DOCUMENT_URI, "nql");
    hooks.onStatus("");
  } catch (e) {
    hooks.onStatus(e instanceof Error ? e.message : String(e));
  }
  return new EditorView({
    parent,
    state: EditorState.create({ doc: initial, extensions: [base, lsp] }),
  });
}
