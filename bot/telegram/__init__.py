"""Everything that knows python-telegram-bot: the application, handlers and what they send."""
