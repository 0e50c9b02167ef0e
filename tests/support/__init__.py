"""Test support: the person's browser, the person's hands, the agent's MCP client, a local site."""
