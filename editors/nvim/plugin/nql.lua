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
