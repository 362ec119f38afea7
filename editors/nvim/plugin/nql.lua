-- User commands for NQL buffers; the language server itself starts through vim.lsp.enable('nql')
-- (Neovim 0.11+) or require('nql').setup().
if vim.g.loaded_nql then
  return
end
vim.g.loaded_nql = true

vim.api.nvim_create_user_command('NqlPreview', function()
  require('nql').preview(0)
end, { desc = 'nql-lsp: preview the runs this query matches (nql.preview)' })

vim.api.nvim_create_user_command('NqlExplain', function(args)
  require('nql').explain(0, args.args)
end, { nargs = 1, desc = 'nql-lsp: explain why a run matches or not (nql.explain RUN_ID)' })

-- :NqlConvert filter|mlflow|nql converts the query (or Filter expression) at the cursor, or in the lines of a
-- range; with !, the result is shown in a split even where it could replace its source.
vim.api.nvim_create_user_command('NqlConvert', function(args)
  local range = args.range > 0 and { args.line1, args.line2 } or nil
  require('nql').convert(0, args.args, { range = range, show = args.bang })
end, {
  nargs = 1,
  bang = true,
  range = true,
  complete = function()
    return require('nql').convert_targets
  end,
  desc = 'nql-lsp: convert the query to neptune-query Filter code or an MLflow search, or Filter code to NQL',
})

-- When nql-lsp attaches: keep its code lenses ("matches 37 of 500 runs") fresh, show its per-clause match
-- counts as inlay hints (Neovim 0.10+; set vim.g.nql_inlay_hints = false to keep them off), and make running
-- a lens (vim.lsp.codelens.run()) open the preview.
-- The lens's arguments are the document's URI and the index of its query (a Python file may hold several).
vim.lsp.commands['nql.preview'] = function(command, ctx)
  local index = (command.arguments or {})[2]
  require('nql').preview(ctx.bufnr, type(index) == 'number' and index or nil)
end

vim.api.nvim_create_autocmd('LspAttach', {
  group = vim.api.nvim_create_augroup('nql_attach', { clear = true }),
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if not client or client.name ~= 'nql' then
      return
    end
    local buf = args.buf
    local caps = client.server_capabilities or {}
    if caps.codeLensProvider then
      local function refresh()
        pcall(vim.lsp.codelens.refresh, { bufnr = buf })
      end
      refresh()
      vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
        group = vim.api.nvim_create_augroup('nql_codelens_' .. buf, { clear = true }),
        buffer = buf,
        callback = refresh,
      })
    end
    if caps.inlayHintProvider and vim.lsp.inlay_hint and vim.g.nql_inlay_hints ~= false then
      pcall(vim.lsp.inlay_hint.enable, true, { bufnr = buf })
    end
  end,
})
