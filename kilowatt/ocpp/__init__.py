"""OCPP-J central system (CSMS side) over the mobilityhouse ocpp library."""
