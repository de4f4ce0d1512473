-- pgmig for nvim-lspconfig users: register a custom server, then set it up like any other.
-- Put this in init.lua (after nvim-lspconfig is loaded). On Neovim >= 0.11 prefer
-- lsp/pgmig.lua with vim.lsp.enable('pgmig'): it needs no plugin.

local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

if not configs.pgmig then
  configs.pgmig = {
    default_config = {
      cmd = { 'pgmig', 'serve' },
      filetypes = { 'sql' },
      -- In order: the nearest pgmig.toml, else the nearest pyproject.toml, else the git root
      -- (root_pattern with all three would take whichever is nearest).
      root_dir = function(fname)
        return util.root_pattern('pgmig.toml')(fname)
          or util.root_pattern('pyproject.toml')(fname)
          or util.root_pattern('.git')(fname)
      end,
      -- vim.empty_dict(): a plain {} would reach the server as a JSON array, not an object.
      settings = { pgmig = vim.empty_dict() },
    },
    docs = {
      description = 'pgmig: checks PostgreSQL migrations for locking and safety problems.',
    },
  }
end

require('lspconfig').pgmig.setup({
  -- settings = { pgmig = { pgVersion = 16, ignore = { 'prefer-text' } } },
})
