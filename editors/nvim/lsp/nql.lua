-- Neovim 0.11+: `vim.lsp.enable('nql')` starts nql-lsp for NQL buffers with this configuration.
-- Override any field with `vim.lsp.config('nql', { ... })`, e.g. `settings = { nql = { lineWidth = 100 } }`;
-- add `'python'` to `filetypes` (and `python = { enable = true }` to the settings) to check NQL in Python strings.
return {
  cmd = require('nql').server_cmd(),
  filetypes = { 'nql' },
  root_markers = { 'pyproject.toml', '.git' },
  settings = { nql = vim.empty_dict() },
}
