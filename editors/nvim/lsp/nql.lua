-- Neovim 0.11+: `vim.lsp.enable('nql')` starts nql-lsp for NQL buffers with this configuration.
-- Override any field with `vim.lsp.config('nql', { ... })`, e.g. `settings = { nql = { lineWidth = 100 } }`;
-- Python buffers get it too, beside your Python server, for the queries in Python strings; to leave them
-- out, `vim.lsp.config('nql', { filetypes = { 'nql' } })`.
return {
  cmd = require('nql').server_cmd(),
  filetypes = { 'nql', 'python' },
  root_markers = { 'pyproject.toml', '.git' },
  settings = { nql = vim.empty_dict() },
}
