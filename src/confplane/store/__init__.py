"""Tables, queries, migrations and transactions. The only place that speaks SQL."""
