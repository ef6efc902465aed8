"""DingTalk's spelling: request and response bodies, error codes, the JSON codec."""
