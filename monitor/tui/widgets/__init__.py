"""Dashboard widgets: each renders one part of the `Board` and is told when its part changed."""
