"""The language server (pygls): handlers and conversion to LSP types, nothing else."""
