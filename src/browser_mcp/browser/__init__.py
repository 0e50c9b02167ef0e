"""The browser layer: the session, tabs, page actions, snapshots and refs."""
