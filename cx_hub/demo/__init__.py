"""The demo organization behind `manage.py seed_demo`: Northpeak, an outdoor-gear shop.

`content` holds the organization (users, teams, channels, tags, saved replies), `people` the
customers' names and addresses, `topics` and `texts/` the conversations, `contacts` and `threads`
plan the rows in memory (`script` unrolls one conversation), and `seed` writes them in bulk.
"""
