"""OCPI 2.2.1 adapter (issue 6): the CPO side of roaming, mounted under /ocpi."""
