"""Training and evaluation of the models this project ships (``actorwire train`` / ``actorwire eval``)."""
