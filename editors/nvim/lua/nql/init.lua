-- nql-lsp for Neovim: the server command, settings, `setup()` for Neovim 0.8-0.10, and the
-- :NqlPreview / :NqlExplain / :NqlConvert commands.
--
-- Neovim 0.11+ needs only `vim.lsp.enable('nql')` (the configuration is in lsp/nql.lua);
-- older versions call `require('nql').setup()`, which starts the server from a FileType autocmd.
local M = {}

local notified = false

local function is_exe(path)
  return path ~= nil and path ~= '' and vim.fn.executable(path) == 1
end

--- Where nql-lsp is: `server_path` if given, else `nql-lsp` on PATH, else the one in the active virtual
--- environment ($VIRTUAL_ENV, then ./.venv). Returns the command, or nil and every place tried.
function M.find_server(server_path)
  local candidates = {}
  if server_path and server_path ~= '' then
    table.insert(candidates, server_path)
  else
    table.insert(candidates, 'nql-lsp')
    if vim.env.VIRTUAL_ENV then
      table.insert(candidates, vim.env.VIRTUAL_ENV .. '/bin/nql-lsp')
    end
    table.insert(candidates, vim.fn.getcwd() .. '/.venv/bin/nql-lsp')
  end
  for _, candidate in ipairs(candidates) do
    if is_exe(candidate) then
      return { candidate, '--stdio' }, candidates
    end
  end
  return nil, candidates
end

--- Tells the user, once a session, that no server was found and how to fix it.
function M.report_missing(tried)
  if notified then
    return
  end
  notified = true
  vim.schedule(function()
    vim.notify(
      'nql-lsp: cannot start the NQL language server; tried: '
        .. table.concat(tried, ', ')
        .. '. Install it with `pip install nql-lsp` in the Python environment on your PATH,'
        .. " or pass its path: require('nql').setup({ cmd = { '/path/to/nql-lsp', '--stdio' } }).",
      vim.log.levels.ERROR
    )
  end)
end

--- The command that starts nql-lsp (see `find_server`). When none is found the user is told what was tried,
--- and the first candidate is returned.
function M.server_cmd(server_path)
  local cmd, tried = M.find_server(server_path)
  if cmd then
    return cmd
  end
  M.report_missing(tried)
  return { tried[1], '--stdio' }
end

--- Whether nql-lsp can start for `bufnr` with `cmd` (nil: look it up). A missing server is reported for NQL
--- buffers only: a Python buffer has its own server, and nql-lsp is an extra there.
function M.can_start(bufnr, cmd, server_path)
  if cmd then
    return true
  end
  local found, tried = M.find_server(server_path)
  if not found and vim.bo[bufnr].filetype == 'nql' then
    M.report_missing(tried)
  end
  return found ~= nil
end

local function client_for(bufnr)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local clients = get({ bufnr = bufnr, name = 'nql' })
  return clients[1]
end

local function request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    client:request(method, params, handler, bufnr)
  else
    client.request(method, params, handler, bufnr)
  end
end

--- The index of the query at `pos` ({ line, UTF-16 character }, 0-based) among a file's queries, read from the
--- server's code lenses: each sits at the start of its query and carries its index. Without lenses (the runs
--- are not loaded yet) it is the first query.
function M.index_at(lenses, pos)
  local index, best = 0, nil
  for _, lens in ipairs(lenses) do
    local args = lens.command and lens.command.arguments or {}
    local start = lens.range.start
    local before = start.line < pos[1] or (start.line == pos[1] and start.character <= pos[2])
    local later = best == nil
      or start.line > best.line
      or (start.line == best.line and start.character > best.character)
    if type(args[2]) == 'number' and before and later then
      index, best = args[2], start
    end
  end
  return index
end

--- The cursor of the window showing `bufnr` as an LSP position (0-based line, UTF-16 character).
local function cursor_position(bufnr)
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    return { 0, 0 }
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1] or ''
  col = math.min(col, #line)
  local ok, utf16 = pcall(vim.str_utfindex, line, 'utf-16', col) -- Neovim 0.11
  if not ok or type(utf16) ~= 'number' then
    local _, old = vim.str_utfindex(line, col) -- Neovim 0.8-0.10: (UTF-32, UTF-16)
    utf16 = old
  end
  return { row - 1, utf16 }
end

--- Sends `workspace/executeCommand` to the nql client of `bufnr` and calls `on_result(result)`. `arguments`
--- is a function of the index of the query at the cursor, or nil to send it as given when `index` is known.
function M.execute(bufnr, command, arguments, on_result, index)
  local client = client_for(bufnr)
  if not client then
    vim.notify('nql-lsp is not running for this buffer', vim.log.levels.WARN)
    return
  end
  local function run(at)
    local params = { command = command, arguments = arguments(at) }
    request(client, 'workspace/executeCommand', params, function(err, result)
      if err then
        vim.notify(command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        return
      end
      on_result(result)
    end, bufnr)
  end
  if index ~= nil then
    run(index)
    return
  end
  local pos = cursor_position(bufnr)
  request(client, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }, function(err, lenses)
    run(err and 0 or M.index_at(lenses or {}, pos))
  end, bufnr)
end

--- Result text of a command: a string as is, `{ text = ... }` / `{ markdown = ... }`, anything else as JSON.
function M.result_lines(result)
  local text
  if type(result) == 'string' then
    text = result
  elseif type(result) == 'table' and type(result.text) == 'string' then
    text = result.text
  elseif type(result) == 'table' and type(result.markdown) == 'string' then
    text = result.markdown
  elseif result == nil or result == vim.NIL then
    text = '(no result)'
  else
    text = vim.json.encode(result)
  end
  return vim.split(text, '\n', { plain = true })
end

--- Shows lines in a scratch buffer in a split, reusing the window of an earlier result.
function M.show(title, lines)
  local name = 'nql://' .. title
  local buf = vim.fn.bufnr(name)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].bufhidden = 'hide'
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  if vim.fn.bufwinid(buf) == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

--- Shows the runs the query at the cursor matches; `index` (a code lens's) names another query of the file.
function M.preview(bufnr, index)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  M.execute(bufnr, 'nql.preview', function(at)
    return { vim.uri_from_bufnr(bufnr), at }
  end, function(result)
    M.show('preview', M.result_lines(result))
  end, index)
end

--- Shows why the run `run_id` matches the query at the cursor, or not.
function M.explain(bufnr, run_id)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  M.execute(bufnr, 'nql.explain', function(at)
    return { vim.uri_from_bufnr(bufnr), run_id, at }
  end, function(result)
    M.show('explain', M.result_lines(result))
  end)
end

--- What :NqlConvert converts to (the server's `nql.convert` targets).
M.convert_targets = { 'filter', 'mlflow', 'nql' }

--- The problems of a conversion one a line, as `nql-lsp --convert` prints them (`row:column: CODE message`).
function M.convert_problems(result)
  local message = type(result) == 'table' and result.message
  if type(message) == 'string' and message ~= '' then
    return message
  end
  return type(result) == 'table' and type(result.error) == 'string' and result.error or 'nothing to convert here'
end

--- Converts the query at the cursor (or, for `nql`, the Filter expression there) with the server's
--- `nql.convert`. opts: `range` ({ line1, line2 }, 1-based, whole lines) instead of the cursor; `show` to show
--- the result even where it could replace its source.
--- NQL to Filter code in a Python file replaces the query string, as the code action does (`u` undoes it); every
--- other result (Filter code of a .nql file, an MLflow search, the NQL of a Filter expression) is shown in the
--- `nql://convert` scratch split. What cannot be converted is an error naming each problem.
function M.convert(bufnr, target, opts)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  opts = opts or {}
  if not vim.tbl_contains(M.convert_targets, target) then
    vim.notify(
      ('NqlConvert: convert to one of %s, not %s'):format(table.concat(M.convert_targets, ', '), vim.inspect(target)),
      vim.log.levels.ERROR
    )
    return
  end
  local client = client_for(bufnr)
  if not client then
    vim.notify('nql-lsp is not running for this buffer', vim.log.levels.WARN)
    return
  end
  local encoding = client.offset_encoding or 'utf-16'
  local where
  if opts.range then
    local last = vim.api.nvim_buf_get_lines(bufnr, opts.range[2] - 1, opts.range[2], false)[1] or ''
    where = vim.lsp.util.make_given_range_params({ opts.range[1], 0 }, { opts.range[2], #last }, bufnr, encoding).range
  else
    local win = vim.fn.bufwinid(bufnr)
    where = vim.lsp.util.make_position_params(win ~= -1 and win or 0, encoding).position
  end
  local params = { command = 'nql.convert', arguments = { vim.uri_from_bufnr(bufnr), where, target } }
  request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      vim.notify('nql.convert failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if type(result) ~= 'table' or type(result.text) ~= 'string' then
      vim.notify('NqlConvert: not converted:\n' .. M.convert_problems(result), vim.log.levels.ERROR)
      return
    end
    if target == 'filter' and type(result.edit) == 'table' and not opts.show then
      vim.lsp.util.apply_workspace_edit(result.edit, encoding)
    else
      local buf = M.show('convert', vim.split((result.text:gsub('\n$', '')), '\n', { plain = true }))
      vim.bo[buf].syntax = result.language == 'nql' and 'nql' or 'python' -- highlighting, no server attached
    end
    if type(result.message) == 'string' and result.message ~= '' then
      vim.notify('NqlConvert: converted, with caveats:\n' .. result.message, vim.log.levels.WARN)
    end
  end, bufnr)
end

--- Neovim 0.8-0.10 (works on 0.11 too): start nql-lsp for NQL buffers, and for Python buffers (beside the
--- Python server: Neovim attaches several) unless `python = false`.
--- opts: cmd (list), server_path (string), settings (the `nql.*` table), python (bool), root_markers (list).
function M.setup(opts)
  opts = opts or {}
  -- Settings the server reads under `nql.*` (lineWidth, severity, runs, python.enable); absent keys keep
  -- the server's defaults.
  local settings = vim.deepcopy(opts.settings or {})
  local filetypes = { 'nql' }
  local python = opts.python ~= false and not (settings.python and settings.python.enable == false)
  if python then
    table.insert(filetypes, 'python')
  end
  if next(settings) == nil then
    settings = vim.empty_dict() -- sent as {} rather than []
  end
  local root_markers = opts.root_markers or { 'pyproject.toml', '.git' }
  local group = vim.api.nvim_create_augroup('nql_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = filetypes,
    callback = function(args)
      if not M.can_start(args.buf, opts.cmd, opts.server_path) then
        return
      end
      local found = vim.fs.find(root_markers, { upward = true, path = vim.fs.dirname(args.file) })[1]
      local root = found and vim.fs.dirname(found) or vim.fn.getcwd()
      vim.lsp.start({
        name = 'nql',
        cmd = opts.cmd or M.server_cmd(opts.server_path),
        root_dir = root,
        settings = { nql = settings },
        init_options = { nql = settings },
      }, { bufnr = args.buf })
    end,
  })
  -- Buffers already open when setup() runs.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(filetypes, vim.bo[buf].filetype) then
      vim.api.nvim_exec_autocmds('FileType', { group = group, buffer = buf })
    end
  end
end

return M
