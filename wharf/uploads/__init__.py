"""Package uploads and the simple index: pure parts, free of HTTP, SQL and event sourcing."""
