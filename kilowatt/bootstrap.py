"""Composition root: picks the concrete adapters and wires the services."""
