"""Deduplication of notices into incidents (issue 5).

- `entities`: entity-name normalisation into comparison keys (with the alias table);
- `rules`: the pairwise matching rules, each named and scored;
- `clustering`: turns the links within one block of related notices into incidents;
- `incidents`: reads notices from the database, attaches them to incidents, rebuilds.
"""
