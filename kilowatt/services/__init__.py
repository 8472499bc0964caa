"""Use cases: the one service layer between the protocol adapters and the domain."""
