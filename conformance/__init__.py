"""Contract-conformance suite and mock tenant for the Microsoft Entra External ID native authentication API."""

__version__ = "0.1.0"
