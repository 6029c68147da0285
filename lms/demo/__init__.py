"""Demo accounts, groups and surveys, so that every page has something to show. Never in production."""
