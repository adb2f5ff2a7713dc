"""One module per feature rule; each is registered with one line in ``mdg_core.features.registry``."""
