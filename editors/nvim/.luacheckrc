-- Neovim runs the plugin on LuaJIT; the plugin sets fields of the `vim` global (options, commands, handlers)
-- and the test reads the script's `arg`.
std = 'luajit'
globals = { 'vim' }
max_line_length = 120
files['test/lsp_test.lua'] = { read_globals = { 'arg' } }
