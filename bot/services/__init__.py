"""The group's work, decided away from Telegram's types where it can be."""
