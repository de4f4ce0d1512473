"""The schema model pgmig reasons about, and the replay of statements into it."""
