"""The one error type of the browser and people layers: a failure the model can act on.

Its message is the whole sentence ("ref e12 is from an older snapshot: call snapshot again"). The tool
frame turns it into an MCP tool error; nothing below the tools knows about MCP.
"""

from __future__ import annotations


class Problem(Exception):
    """Something went wrong that the model can act on; str() is the sentence to show it."""
