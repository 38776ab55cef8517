"""Resource providers: one module per emulated resource type, each implementing ``ResourceProvider``."""
