"""The seams (typing.Protocol) between the service layer and its adapters."""
