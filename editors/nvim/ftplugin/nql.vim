" NQL has no comments; backquotes and double quotes pair up.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1
setlocal commentstring=
setlocal iskeyword+=/,-,.
let b:undo_ftplugin = 'setlocal commentstring< iskeyword<'
