"""The eMSP role's OCPI modules: Receivers of partner CPOs' objects, Senders of our tokens
and commands."""

from kilowatt.ocpi.emsp import cdrs, commands, locations, sessions, tariffs, tokens

__all__ = ["cdrs", "commands", "locations", "sessions", "tariffs", "tokens"]
