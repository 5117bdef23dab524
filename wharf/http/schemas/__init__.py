"""Request and response bodies, one module per capability; unknown fields are refused."""
