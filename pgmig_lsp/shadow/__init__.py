"""Replay on a real throwaway PostgreSQL: starting one (`server`), and what runs on it."""
