"""The HTTP edge: routes, parsing, encoding. No SQL, no rules."""
