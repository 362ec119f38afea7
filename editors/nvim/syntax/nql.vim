" Vim syntax file
" Language: NQL (Neptune Query Language), the filter language of Neptune's fetch_runs_table(query=...)
if exists('b:current_syntax')
  finish
endif

syntax case ignore
syntax keyword nqlLogical AND OR NOT
syntax keyword nqlBoolean true false
syntax case match

syntax match nqlComparison /==\|!=\|>=\|<=\|=\|>\|</
syntax keyword nqlRunState running idle active inactive

" Attribute paths: bare (letters, digits, _ - . /) or backquoted with \` and \\ escapes.
syntax match nqlName /[A-Za-z0-9_./-]\+/
" CONTAINS is a :syntax argument name, so the word operators are a match (after nqlName, so they win over it).
syntax match nqlOperatorWord /\c\<\%(CONTAINS\|MATCHES\|EXISTS\)\>/
syntax region nqlQuotedName matchgroup=nqlNameDelimiter start=/`/ skip=/\\[`\\]/ end=/`/ contains=nqlNameEscape oneline
syntax match nqlNameEscape /\\[`\\]/ contained

" The type after a name: `f1`:float. An unknown type is highlighted as an error.
syntax match nqlTypeSep /:\s*/ nextgroup=nqlType,nqlBadType
syntax match nqlBadType /[A-Za-z_][A-Za-z0-9_]*/ contained
syntax keyword nqlType contained float int integer bool string datetime stringSet floatSeries stringSeries
syntax keyword nqlType contained experimentState fileRef artifact

" Aggregates of a float series: last(`val/acc`:floatSeries).
syntax match nqlAggregate /\<\(last\|min\|max\|average\|variance\)\ze\s*(/

" Values: numbers, sizes (50MB), strings with \" and \\ escapes, relative times ("-7d").
syntax match nqlNumber /\%([A-Za-z0-9_./-]\)\@<![+-]\=\%(\d\+\%(\.\d*\)\=\|\.\d\+\)\%([eE][+-]\=\d\+\)\=\%([A-Za-z0-9_./-]\)\@!/
syntax match nqlSize /\c\%([A-Za-z0-9_./-]\)\@<![+-]\=\d\+\%(\.\d\+\)\=\%(kb\|mb\|gb\|tb\|b\)\>/
syntax region nqlString matchgroup=nqlQuote start=/"/ skip=/\\[\"\\]/ end=/"/ contains=nqlEscape,nqlBadEscape,nqlRelativeTime oneline
syntax match nqlEscape /\\[\"\\]/ contained
syntax match nqlBadEscape /\\[^\"\\]/ contained
syntax match nqlRelativeTime /\%("\)\@<=[+-]\=\d\+[hdMmswy]\ze"/ contained
syntax region nqlSingleString start=/'/ end=/'/ oneline

syntax match nqlParen /[()]/

highlight default link nqlLogical Keyword
highlight default link nqlOperatorWord Operator
highlight default link nqlComparison Operator
highlight default link nqlBoolean Boolean
highlight default link nqlRunState Constant
highlight default link nqlName Identifier
highlight default link nqlQuotedName Identifier
highlight default link nqlNameDelimiter Delimiter
highlight default link nqlNameEscape SpecialChar
highlight default link nqlTypeSep Delimiter
highlight default link nqlType Type
highlight default link nqlBadType Error
highlight default link nqlAggregate Function
highlight default link nqlNumber Number
highlight default link nqlSize Number
highlight default link nqlString String
highlight default link nqlQuote String
highlight default link nqlEscape SpecialChar
highlight default link nqlBadEscape Error
highlight default link nqlRelativeTime Special
highlight default link nqlSingleString String
highlight default link nqlParen Delimiter

let b:current_syntax = 'nql'
