"""Rules of orgs, apps, tokens, meetings and members. No HTTP, no SQL strings."""
