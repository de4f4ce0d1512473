-- pgmig language server for Neovim >= 0.11.
--
-- Neovim reads `lsp/<name>.lua` from every 'runtimepath' directory and merges the table it
-- returns into `vim.lsp.config('<name>')`. Copy this file to ~/.config/nvim/lsp/pgmig.lua (or
-- add editors/nvim to 'runtimepath') and put one line in init.lua:
--
--   vim.lsp.enable('pgmig')
--
-- Override any field with vim.lsp.config('pgmig', { ... }) before or after enabling.

---@type vim.lsp.Config
return {
  cmd = { 'pgmig', 'serve' },
  filetypes = { 'sql' },
  -- In order: the nearest pgmig.toml, else the nearest pyproject.toml, else the git root.
  root_markers = { 'pgmig.toml', 'pyproject.toml', '.git' },
  settings = {
    -- The server asks for this section with workspace/configuration (camelCase keys:
    -- migrationDirs, tool, pgVersion, select, extendSelect, ignore, severity).
    -- vim.empty_dict(): a plain {} would reach the server as a JSON array, not an object.
    pgmig = vim.empty_dict(),
  },
}
