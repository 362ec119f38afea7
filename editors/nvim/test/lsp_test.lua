-- End-to-end test of the Neovim plugin against the real nql-lsp: opens .nql files through the shipped ftdetect
-- and LSP configuration, then checks diagnostics, completion after typing, hover, formatting, a quick fix,
-- :NqlPreview and the message for a missing server. Run by run.sh as
--   nvim --headless -u NONE -i NONE --cmd 'set rtp^=<plugin>' --cmd 'filetype on' -l lsp_test.lua <mode> <workdir>
-- where mode is `enable` (Neovim 0.11+ lsp/nql.lua) or `setup` (require('nql').setup(), the 0.8-0.10 path).
-- Prints one line per check and `N passed, N failed`; exits non-zero on any failure.
local mode, workdir = arg[1], arg[2]
local passed, failed = 0, 0
local TIMEOUT = 15000

local function say(line)
  io.stdout:write(line, '\n')
end

local function check(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    say(('ok   %s [%s]'):format(name, mode))
  else
    failed = failed + 1
    say(('FAIL %s [%s]: %s'):format(name, mode, tostring(err):gsub('\nstack traceback:.*', '')))
  end
end

local function expect(cond, msg)
  if not cond then
    error(msg, 2)
  end
end

local function write(name, text)
  local path = workdir .. '/' .. name
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
  return path
end

local function open(path)
  local buf = vim.fn.bufnr(path)
  if buf ~= -1 and vim.api.nvim_buf_is_loaded(buf) then
    vim.api.nvim_set_current_buf(buf) -- `:edit` would re-read the file and drop the server's diagnostics
  else
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
  end
  return vim.api.nvim_get_current_buf()
end

local function client_of(buf)
  local found
  vim.wait(TIMEOUT, function()
    found = vim.lsp.get_clients({ bufnr = buf, name = 'nql' })[1]
    return found ~= nil and found.initialized
  end, 20)
  expect(found ~= nil, 'no nql client attached to ' .. vim.api.nvim_buf_get_name(buf))
  return found
end

local function request(buf, method, params)
  local responses = vim.lsp.buf_request_sync(buf, method, params, TIMEOUT)
  expect(responses ~= nil, method .. ' timed out')
  local _, response = next(responses)
  expect(response ~= nil, method .. ': no response')
  expect(response.err == nil, method .. ' error: ' .. vim.inspect(response.err))
  return response.result
end

-- The buffer's diagnostics, once the server has published some.
local function diagnostics_of(buf)
  local diags
  vim.wait(TIMEOUT, function()
    diags = vim.diagnostic.get(buf)
    return #diags > 0
  end, 20)
  return diags
end

local function text_of(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

-- The notifications the plugin shows, for the missing-server check.
local notes = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(notes, msg)
  if level ~= vim.log.levels.ERROR or not msg:find('/nonexistent/', 1, true) then
    return notify(msg, level, opts)
  end
end

-- No nql-lsp to be found until the first check is done, from before the plugin is set up.
local path, venv = vim.env.PATH, vim.env.VIRTUAL_ENV
vim.env.PATH = table.concat(
  vim.tbl_filter(function(dir)
    return vim.fn.executable(dir .. '/nql-lsp') == 0
  end, vim.split(path, ':', { plain = true })),
  ':'
)
vim.env.VIRTUAL_ENV = nil

vim.cmd('runtime plugin/nql.lua')
if mode == 'enable' then
  vim.lsp.enable('nql')
else
  require('nql').setup()
end

-- Before anything else, with no nql-lsp to be found: Neovim reads lsp/nql.lua on the first FileType event of
-- any filetype, and a buffer nql-lsp does not serve must not hear about it. An NQL buffer must; a Python buffer,
-- which has its own server, need not.
check('a missing server is reported for NQL buffers only', function()
  local ok, err = pcall(function()
    expect(vim.fn.executable('nql-lsp') == 0, 'nql-lsp is still on PATH')
    notes = {}
    open(write('notes.txt', 'not a query\n'))
    open(write('script.py', 'x = 1\n'))
    vim.wait(300)
    expect(#notes == 0, 'told about nql-lsp in buffers it does not serve: ' .. table.concat(notes, '\n'))
    open(write('missing.nql', '`a`:int > 1\n'))
    vim.wait(1000, function()
      return #notes > 0
    end, 20)
    local msg = table.concat(notes, '\n')
    expect(msg:find('tried: nql-lsp', 1, true) and msg:find('pip install nql-lsp', 1, true), 'message: ' .. msg)
  end)
  vim.env.PATH, vim.env.VIRTUAL_ENV = path, venv
  vim.cmd('silent! %bwipeout!')
  package.loaded['nql'] = nil -- its once-a-session notice is spent
  if not ok then
    error(err, 0)
  end
end)

-- A non-ASCII value before the error: `é` is 2 bytes, 1 UTF-16 unit, so a position slip shows as a wrong column.
local bad = write('bad.nql', '(`sys/name`:string = "café") AND (`f1`:flot >= 0.85)\n')

check('ftdetect sets filetype nql', function()
  local buf = open(bad)
  expect(vim.bo[buf].filetype == 'nql', 'filetype is ' .. vim.bo[buf].filetype)
  expect(vim.b[buf].current_syntax == 'nql', 'syntax/nql.vim not loaded')
end)

check('diagnostic for an unknown type, at the right column', function()
  local buf = open(bad)
  client_of(buf)
  local diags = diagnostics_of(buf)
  expect(#diags == 1, 'expected 1 diagnostic, got ' .. vim.inspect(diags))
  local d = diags[1]
  expect(d.message:find('unknown type `flot`', 1, true), 'message: ' .. d.message)
  expect(d.severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(d.severity))
  -- `flot` is code points 39-42; bytes 40-43 because of the two-byte `é`.
  expect(d.lnum == 0 and d.col == 40 and d.end_col == 44, ('range %d:%d-%d'):format(d.lnum, d.col, d.end_col))
end)

check('quick fix from a code action', function()
  local buf = open(bad)
  local d = vim.diagnostic.get(buf)[1]
  expect(d ~= nil, 'no diagnostic to fix')
  local lsp_diag = d.user_data and d.user_data.lsp
  local result = request(buf, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, only = { 'quickfix' } },
  })
  local action
  for _, a in ipairs(result or {}) do
    if a.title:find('float', 1, true) then
      action = a
    end
  end
  expect(action, 'no fix naming `float` among ' .. vim.inspect(result))
  local client = client_of(buf)
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  expect(text_of(buf) == '(`sys/name`:string = "café") AND (`f1`:float >= 0.85)', 'after fix: ' .. text_of(buf))
  vim.wait(TIMEOUT, function()
    return #vim.diagnostic.get(buf) == 0
  end, 20)
  expect(#vim.diagnostic.get(buf) == 0, 'diagnostics remain after the fix: ' .. vim.inspect(vim.diagnostic.get(buf)))
  vim.cmd('silent write')
end)

check('completion after typing a type', function()
  local buf = open(write('complete.nql', ''))
  client_of(buf)
  -- Typed as a user would, so the server sees the change through didChange before the request.
  vim.api.nvim_buf_set_text(buf, 0, 0, 0, 0, { '(`sys/state`:experimentState = ' })
  local line = vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
  local result = request(buf, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 0, character = #line },
  })
  local items = result and (result.items or result) or {}
  local labels = {}
  for _, item in ipairs(items) do
    labels[item.label] = true
  end
  expect(labels.running and labels.idle, 'run states not offered: ' .. vim.inspect(vim.tbl_keys(labels)))
  expect(not labels.AND, 'AND offered where a value is expected')
end)

check('hover on an operator', function()
  local buf = open(write('hover.nql', '(`sys/tags`:stringSet CONTAINS "prod")\n'))
  client_of(buf)
  local result = request(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 0, character = 25 }, -- inside CONTAINS (columns 22-29)
  })
  expect(result and result.contents, 'no hover')
  local value = type(result.contents) == 'table' and (result.contents.value or vim.inspect(result.contents))
    or result.contents
  expect(value:find('CONTAINS', 1, true) and value:find('substring', 1, true), 'hover text: ' .. value)
end)

check('format document', function()
  local buf = open(write('format.nql', '(`a`:int>1) and (`b`:float<2)\n'))
  client_of(buf)
  vim.lsp.buf.format({ bufnr = buf, async = false, timeout_ms = TIMEOUT })
  expect(text_of(buf) == '(`a`:int > 1) AND (`b`:float < 2)', 'formatted: ' .. vim.inspect(text_of(buf)))
end)

local function shown_in(name)
  local shown
  vim.wait(TIMEOUT, function()
    shown = vim.fn.bufnr(name)
    return shown ~= -1 and #text_of(shown) > 0
  end, 20)
  expect(shown ~= -1 and #text_of(shown) > 0, 'nothing shown in ' .. name)
  return text_of(shown)
end

check(':NqlPreview shows the runs the query matches', function()
  open(bad)
  -- The server loads the runs in the background and says so until they are in: ask again, as a user would.
  -- Each time from the query's buffer: a shown result leaves the cursor in its split.
  local text
  for _ = 1, 30 do
    vim.cmd('only')
    open(bad)
    local shown = vim.fn.bufnr('nql://preview')
    if shown ~= -1 then
      vim.api.nvim_buf_delete(shown, { force = true })
    end
    vim.cmd('NqlPreview')
    text = shown_in('nql://preview')
    if not text:find('still loading', 1, true) then
      break
    end
    vim.wait(1000)
  end
  expect(text:find('matches %d+ of %d+ runs'), 'preview: ' .. text:sub(1, 200))
  vim.cmd('only')
end)

check('a code lens counts the runs the query matches', function()
  local buf = open(write('good.nql', '`sys/failed`:bool = true\n'))
  client_of(buf)
  local title
  vim.wait(TIMEOUT, function()
    pcall(vim.lsp.codelens.refresh, { bufnr = buf })
    for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
      title = lens.command and lens.command.title
    end
    return title ~= nil
  end, 200)
  expect(title and title:find('^matches %d+ of %d+ runs in .+$'), 'lens: ' .. tostring(title))
  -- The plugin turned the per-clause counts on when the server attached.
  expect(vim.lsp.inlay_hint.is_enabled({ bufnr = buf }), 'inlay hints are off')
end)

check(':NqlExplain shows why a run matches or not', function()
  open(bad)
  vim.cmd('NqlExplain CLS-23')
  local text = shown_in('nql://explain')
  expect(text:find('CLS-23', 1, true), 'explain: ' .. text:sub(1, 200))
  vim.cmd('only')
end)

check("python buffers attach by default, with diagnostics at the Python file's column", function()
  -- `flot` is at byte column 36 of the Python line, not at column 5 of the query.
  local buf = open(write('query.py', 'runs = fetch_runs_table(query="`f1`:flot > 0.5")\n'))
  expect(vim.bo[buf].filetype == 'python', 'filetype ' .. vim.bo[buf].filetype)
  local client = client_of(buf)
  expect(client.name == 'nql', 'attached: ' .. client.name)
  local diags = diagnostics_of(buf)
  expect(#diags == 1, 'expected 1 diagnostic, got ' .. vim.inspect(diags))
  expect(diags[1].message:find('unknown type `flot`', 1, true), 'message: ' .. diags[1].message)
  expect(
    diags[1].lnum == 0 and diags[1].col == 36 and diags[1].end_col == 40,
    ('range %d:%d-%d'):format(diags[1].lnum, diags[1].col, diags[1].end_col)
  )
end)

-- Two queries in one Python file: the first matches CLS-23, the second does not. Each lens previews its own
-- query, and :NqlExplain explains the query under the cursor.
check('a Python file with two queries: lenses, :NqlPreview and :NqlExplain act on the query at the cursor', function()
  local buf = open(write(
    'two.py',
    table.concat({
      'first = fetch_runs_table(query="`sys/failed`:bool = false")',
      'second = fetch_runs_table(query="`sys/failed`:bool = true")',
      '',
    }, '\n')
  ))
  client_of(buf)
  local lenses = {}
  vim.wait(TIMEOUT, function()
    pcall(vim.lsp.codelens.refresh, { bufnr = buf })
    lenses = vim.lsp.codelens.get(buf)
    return #lenses == 2 and lenses[1].command ~= nil and lenses[2].command ~= nil
  end, 200)
  expect(#lenses == 2, 'lenses: ' .. vim.inspect(lenses))
  table.sort(lenses, function(a, b)
    return a.range.start.line < b.range.start.line
  end)
  local titles = { lenses[1].command.title, lenses[2].command.title }
  expect(titles[1] ~= titles[2], 'both queries match as many runs: ' .. vim.inspect(titles))
  for line = 1, 2 do
    vim.api.nvim_set_current_buf(buf)
    vim.api.nvim_win_set_cursor(0, { line, 0 })
    vim.lsp.codelens.run() -- the lens on this line, through the plugin's nql.preview handler
    local text
    vim.wait(TIMEOUT, function()
      local shown = vim.fn.bufnr('nql://preview')
      text = shown ~= -1 and text_of(shown) or ''
      return text:find(titles[line], 1, true) ~= nil
    end, 20)
    expect(text:find(titles[line], 1, true), ('lens on line %d previewed: %s'):format(line, text:sub(1, 200)))
    vim.cmd('only')
  end
  for line, want in ipairs({ 'matches the query', 'does not match' }) do
    vim.api.nvim_set_current_buf(buf)
    vim.api.nvim_win_set_cursor(0, { line, 40 })
    local shown = vim.fn.bufnr('nql://explain')
    if shown ~= -1 then
      vim.api.nvim_buf_delete(shown, { force = true })
    end
    vim.cmd('NqlExplain CLS-23')
    local text = shown_in('nql://explain')
    expect(text:find(want, 1, true), ('explain on line %d: %s'):format(line, text:sub(1, 200)))
    vim.cmd('only')
  end
end)

-- :NqlConvert: NQL to Filter code replaces the query string in a Python file; an MLflow search and the NQL of a
-- Filter expression are shown in the nql://convert split; what cannot be converted is said with its code.
check(':NqlConvert filter replaces the query string under the cursor with Filter code', function()
  local buf = open(write('convert.py', 'runs = fetch_runs_table(query="`sys/failed`:bool = true")\n'))
  client_of(buf)
  vim.api.nvim_win_set_cursor(0, { 1, 40 }) -- inside the string
  vim.cmd('NqlConvert filter')
  local want = table.concat({
    'from neptune_query.filters import Attribute, Filter',
    'runs = fetch_runs_table(query=Filter.eq(Attribute("sys/failed", type="bool"), True))',
  }, '\n')
  vim.wait(TIMEOUT, function()
    return text_of(buf) == want
  end, 20)
  expect(text_of(buf) == want, 'after :NqlConvert filter: ' .. text_of(buf))
end)

check(':NqlConvert nql shows the NQL a Filter expression renders to', function()
  local buf = open(workdir .. '/convert.py')
  vim.api.nvim_win_set_cursor(0, { 2, 40 }) -- on Filter.eq(...)
  local shown = vim.fn.bufnr('nql://convert')
  if shown ~= -1 then
    vim.api.nvim_buf_delete(shown, { force = true })
  end
  vim.cmd('NqlConvert nql')
  -- neptune-query writes every value as a quoted string.
  local text = shown_in('nql://convert')
  expect(text == '`sys/failed`:bool = "True"', 'shown: ' .. text)
  expect(text_of(buf):find('Filter.eq', 1, true), 'the source was changed: ' .. text_of(buf))
  vim.cmd('only')
end)

check(':NqlConvert mlflow shows the MLflow search, and problems are said', function()
  local buf = open(write('mlflow.nql', 'sys/name = "baseline"\n'))
  client_of(buf)
  local shown = vim.fn.bufnr('nql://convert')
  if shown ~= -1 then
    vim.api.nvim_buf_delete(shown, { force = true })
  end
  vim.cmd('NqlConvert mlflow')
  local text = shown_in('nql://convert')
  expect(text:find([[filter_string="params.`sys/name` = 'baseline'"]], 1, true), 'shown: ' .. text:sub(1, 400))
  vim.cmd('only')
  notes = {}
  buf = open(write('min.nql', 'min(`loss`:floatSeries) < 0.5\n'))
  client_of(buf)
  vim.cmd('NqlConvert filter')
  vim.wait(TIMEOUT, function()
    return #notes > 0
  end, 20)
  local msg = table.concat(notes, '\n')
  expect(msg:find('not converted', 1, true) and msg:find('1:1: CNV101', 1, true), 'message: ' .. msg)
end)

check('python buffers are left alone when opted out', function()
  if mode == 'enable' then
    vim.lsp.config('nql', { filetypes = { 'nql' } })
  else
    require('nql').setup({ python = false })
  end
  local buf = open(write('other.py', 'runs = fetch_runs_table(query="`f1`:flot > 0.5")\n'))
  expect(vim.bo[buf].filetype == 'python', 'filetype ' .. vim.bo[buf].filetype)
  vim.wait(1000, function()
    return #vim.lsp.get_clients({ bufnr = buf, name = 'nql' }) > 0
  end, 20)
  expect(#vim.lsp.get_clients({ bufnr = buf, name = 'nql' }) == 0, 'nql attached to an opted-out Python buffer')
end)

check('a missing server is reported with what was tried', function()
  notes = {}
  package.loaded['nql'] = nil
  require('nql').server_cmd('/nonexistent/nql-lsp')
  vim.wait(1000, function()
    return #notes > 0
  end, 20)
  local msg = table.concat(notes, '\n')
  expect(msg:find('tried: /nonexistent/nql-lsp', 1, true), 'message: ' .. msg)
  expect(msg:find('pip install nql-lsp', 1, true), 'no fix in message: ' .. msg)
end)

say(('%d passed, %d failed'):format(passed, failed))
vim.cmd(failed == 0 and 'qa!' or 'cq')
