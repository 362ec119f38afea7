" NQL (Neptune Query Language) files, one query each, for Vim (Neovim reads ftdetect/nql.lua).
if has('nvim')
  finish
endif
autocmd BufRead,BufNewFile *.nql set filetype=nql
