"""`manage.py bench`: generate a realistic data set in a separate database and time named scenarios.

Modules: `database` (switch to the bench database, the scale marker), `generate`, `threads`,
`corpus` and `load` (the data set and how it is written), `scenarios` (the registry of what is
timed), `report` (timing, percentiles, table, JSON).
"""
