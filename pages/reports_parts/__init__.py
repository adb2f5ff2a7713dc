"""Components of the Reports page (see ``view``)."""
