-- NQL (Neptune Query Language) files, one query each. Neovim's own table maps `.nql` to `n1ql` (Couchbase);
-- a plugin's vim.filetype.add takes precedence over it.
vim.filetype.add({ extension = { nql = 'nql' } })
