"""Object storage of every cluster: the tracker, its persistence, watch buffers, resource
definitions and the event recorder."""
