"""journeybot's Slack side: the Bolt app, its listeners by surface, and Block Kit builders."""
