"""Entity worker: normalised text in, entity mentions and canonical actors out (``news.entities``)."""
