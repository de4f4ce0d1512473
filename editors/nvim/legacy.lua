-- pgmig language server for Neovim 0.7 - 0.10 (no vim.lsp.config; 0.7 has no vim.lsp.start).
--
-- Copy this file to ~/.config/nvim/lua/pgmig.lua and put in init.lua:
--
--   require('pgmig').setup()
--
-- or, without copying: dofile('/path/to/pgmig/editors/nvim/legacy.lua').setup()
-- setup() takes the same fields as the defaults below; the ones you give replace them
-- (tables of settings are merged key by key, lists are replaced whole).

local M = {}

M.defaults = {
  cmd = { 'pgmig', 'serve' },
  filetypes = { 'sql' },
  -- In order: the nearest pgmig.toml, else the nearest pyproject.toml, else the git root;
  -- a file under none of them gets its own directory.
  root_markers = { 'pgmig.toml', 'pyproject.toml', '.git' },
  settings = {
    -- The server asks for this section with workspace/configuration (camelCase keys:
    -- migrationDirs, tool, pgVersion, select, extendSelect, ignore, severity).
    -- vim.empty_dict(): a plain {} would reach the server as a JSON array, not an object.
    pgmig = vim.empty_dict(),
  },
}

-- One client per root directory, shared by every buffer under it.
local clients = {}

local function parent(dir)
  return vim.fn.fnamemodify(dir, ':h')
end

--- The nearest ancestor of `file` that holds the first marker found, trying markers in order.
function M.find_root(file, markers)
  local start = vim.fn.fnamemodify(file, ':p:h')
  for _, marker in ipairs(markers) do
    local dir = start
    while true do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
      local up = parent(dir)
      if up == dir then
        break
      end
      dir = up
    end
  end
  return nil
end

local function client_for(root, config)
  local id = clients[root]
  if id and vim.lsp.get_client_by_id(id) then
    return id
  end
  id = vim.lsp.start_client({
    name = 'pgmig',
    cmd = config.cmd,
    root_dir = root,
    settings = config.settings,
    init_options = config.init_options,
    on_attach = config.on_attach,
    on_init = function(client, result)
      -- 0.7 - 0.10 neither send the settings by themselves nor answer workspace/configuration
      -- (0.7 does not announce it), so push them once the server is up, as 0.11 does
      client.notify('workspace/didChangeConfiguration', { settings = config.settings })
      if config.on_init then
        config.on_init(client, result)
      end
    end,
    on_exit = function()
      clients[root] = nil
    end,
  })
  clients[root] = id
  return id
end

--- Attach the pgmig client of the buffer's root to `bufnr` (starting it on first use).
function M.attach(bufnr, config)
  local file = vim.api.nvim_buf_get_name(bufnr)
  if file == '' or vim.api.nvim_buf_get_option(bufnr, 'buftype') ~= '' then
    return
  end
  local root = M.find_root(file, config.root_markers) or vim.fn.fnamemodify(file, ':p:h')
  -- start_client reports a command it cannot spawn and returns nil
  local id = client_for(root, config)
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  local config = vim.tbl_deep_extend('force', M.defaults, opts or {})
  local group = vim.api.nvim_create_augroup('pgmig', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      M.attach(args.buf, config)
    end,
  })
  -- buffers already open when setup() runs (a lazily loaded config)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local filetype = vim.api.nvim_buf_get_option(bufnr, 'filetype')
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, filetype) then
      M.attach(bufnr, config)
    end
  end
end

return M
