"""The CPO role's Sender modules, one router module each."""
