"""Deduplication of notices into incidents (docs/ARCHITECTURE.md, "Matching").

- `entities`, `addresses`, `shortnames`: entity names -> comparison keys (with `aliases.tsv`);
- `evidence`, `kinship`: when two names are one entity (key and word counts, name relations);
- `rules`, `hardjoins`: the pairwise matching rules, each named and scored;
- `blocking`: candidate search; `clustering`: the links within one block -> incidents;
- `rows`, `summary`, `writing`, `cache`: notices in, incident rows out, the kept index;
- `incidents`: attach and rebuild (the public entry points); `diagnostics`: check_incidents.
"""
