"""Reads of identity data, one module per concern (``facecheck``)."""
