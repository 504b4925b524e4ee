"""The service: REST API, job store and workers around ``analyze_video``."""
