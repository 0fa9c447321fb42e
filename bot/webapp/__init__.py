"""The coordinators' map: a Telegram Mini App the bot serves itself."""
