"""`python -m pgmig_lsp` runs the `pgmig` command line."""

from pgmig_lsp.cli import main

raise SystemExit(main())
