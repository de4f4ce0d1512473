"""The rule catalogue: one module per rule (or tight family), a registry, generated docs."""
