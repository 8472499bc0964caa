"""Driven adapters other than the store: clock, in-process bus and gateway."""
