"""A Telegram bot that runs a neighbourhood mutual-aid group."""
