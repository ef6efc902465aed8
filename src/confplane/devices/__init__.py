"""The device channel: the WebSocket protocol, the hub of live connections, the fan-out."""
