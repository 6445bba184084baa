"""Charts of tabkit's results. Each function draws on the Axes it is given (``ax=``) or on
a new figure, and returns the matplotlib Figure, which shows inline in Jupyter."""
