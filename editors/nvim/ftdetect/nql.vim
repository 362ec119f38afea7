" NQL (Neptune Query Language) files: one query per file.
autocmd BufRead,BufNewFile *.nql setfiletype nql
