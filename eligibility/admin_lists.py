# Admin for exclusion lists: see issue #3.
