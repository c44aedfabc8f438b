"""Pure Block Kit builders: models in, dicts out. No Slack client, no database."""
