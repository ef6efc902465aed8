"""confplane: a self-hosted meeting control plane speaking DingTalk's video-conference API."""

__version__ = "0.1.0"
