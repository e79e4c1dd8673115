"""Demo data: a deterministic, realistic Chinese B2B sales company (``opphub demo``), also used by the
benchmark (``make bench``) to build its large data set.

Modules: ``vocab`` (names, companies, titles, products), ``notes`` (follow-up texts), ``org``
(regions, teams, users, products through the ORM), ``plan`` (pure, seeded simulation of customers,
opportunities, stage histories and follow-ups as plain rows), ``writer`` (bulk_create or PostgreSQL
COPY), ``gates_plan`` with ``gates_health`` / ``gates_ready`` / ``gates_texts`` (the stage work: records,
documents, approvals, scores, objections, health scores), ``pdfs`` (the demo's document files), ``generate``
(ties them together).
"""
