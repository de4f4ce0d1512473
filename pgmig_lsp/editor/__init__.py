"""Editor features as plain Python: outline, folding, hover and code actions.

The language server (``pgmig_lsp.lsp``) converts these results to LSP types; nothing here
imports pygls or lsprotocol. Spans are code-point offsets into a file's text.
"""
