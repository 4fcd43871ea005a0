"""Readers of outside toil formats: worklog exports (Jira, Tempo, Linear, spreadsheets)."""
