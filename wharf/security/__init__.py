"""Security primitives, each behind one small module with a narrow interface."""
