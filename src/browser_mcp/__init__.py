"""browser_mcp: an MCP server that lets an AI agent and a person use one browser together."""

__version__ = "0.1.0"
