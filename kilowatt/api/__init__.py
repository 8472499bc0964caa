"""Operator REST API (FastAPI)."""
