"""Read models built from the event log, each with its projection and its queries."""
