"""Python clients: the DingTalk wire client, confplane's admin API, the device client."""
