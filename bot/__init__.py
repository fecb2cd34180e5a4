"""The conversation: text -> intent -> use case -> reply."""
