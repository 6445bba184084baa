"""Charts of tabkit's results, drawn from plain DataFrames (or an attribution
:class:`~tabkit.forest.attribution.Explanation`).

Every function draws on the Axes it is given (``ax=``) or on a new figure, and returns
the matplotlib Figure, which shows inline in Jupyter. Numbers are shown in the target's
units (``target_transform="log"`` for a model trained on the log of the target) with
three significant digits.
"""

from tabkit.plots.dependence import dependence_note, plot_partial_dependence, plot_partial_dependence_2d
from tabkit.plots.embeddings import plot_embeddings
from tabkit.plots.factors import plot_factors
from tabkit.plots.importance import plot_importance, plot_importance_comparison
from tabkit.plots.redundancy import plot_dendrogram
from tabkit.plots.runs import plot_leaderboard, plot_series, plot_tree_spread
from tabkit.plots.search import plot_search
from tabkit.plots.style import new_figure, smallest_text_px
from tabkit.plots.summary import plot_contribution_summary
from tabkit.plots.training import plot_history, plot_learning_rate
from tabkit.plots.waterfall import plot_waterfall

__all__ = [
    "dependence_note",
    "new_figure",
    "plot_contribution_summary",
    "plot_dendrogram",
    "plot_embeddings",
    "plot_factors",
    "plot_history",
    "plot_importance",
    "plot_importance_comparison",
    "plot_leaderboard",
    "plot_learning_rate",
    "plot_partial_dependence",
    "plot_partial_dependence_2d",
    "plot_search",
    "plot_series",
    "plot_tree_spread",
    "plot_waterfall",
    "smallest_text_px",
]
