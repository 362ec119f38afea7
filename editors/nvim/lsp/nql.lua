-- Neovim 0.11+: `vim.lsp.enable('nql')` starts nql-lsp for NQL buffers with this configuration.
-- Override any field with `vim.lsp.config('nql', { ... })`, e.g. `settings = { nql = { lineWidth = 100 } }`;
-- Python buffers get it too, beside your Python server, for the queries in Python strings; to leave them
-- out, `vim.lsp.config('nql', { filetypes = { 'nql' } })`.
--
-- Neovim reads this file on the first FileType event of any filetype, so nothing here looks for the server:
-- the lookup waits for a buffer nql-lsp serves, and a missing server is reported only for NQL buffers.
local root_markers = { 'pyproject.toml', '.git' }

return {
  cmd = function(dispatchers, config)
    return vim.lsp.rpc.start(require('nql').server_cmd(), dispatchers, {
      cwd = config.cmd_cwd,
      env = config.cmd_env,
      detached = config.detached,
    })
  end,
  filetypes = { 'nql', 'python' },
  root_markers = root_markers,
  -- A function, so the server is looked for (and a missing one reported) only for the buffers it would serve.
  root_dir = function(bufnr, on_dir)
    local config = vim.lsp.config.nql or {}
    local cmd = type(config.cmd) == 'table' and config.cmd or nil
    if require('nql').can_start(bufnr, cmd) then
      on_dir(vim.fs.root(bufnr, config.root_markers or root_markers) or vim.fn.getcwd())
    end
  end,
  settings = { nql = vim.empty_dict() },
}
