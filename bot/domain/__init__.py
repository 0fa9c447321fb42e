"""What a mutual-aid group is made of and the rules about it: no Telegram, no SQL."""
