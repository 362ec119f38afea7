"""Moving queries between NQL and the libraries users move to.

- :mod:`.to_filter`: NQL to neptune-query ``Filter`` code;
- :mod:`.from_filter`: a ``Filter`` expression in Python source (read, never run) to NQL;
- :mod:`.mlflow`: NQL to an MLflow search over runs loaded by neptune-exporter.

Each is a pure function of the query (or the source and a range) returning the converted text or
:class:`~.problems.Problem` s with stable codes, so an editor's code action is one call.
"""

from nql_lsp.features.convert.from_filter import NqlText, find_filters, from_filter
from nql_lsp.features.convert.mlflow import MlflowSearch, exported_key, mlflow_of, to_mlflow
from nql_lsp.features.convert.problems import CODES, Problem
from nql_lsp.features.convert.to_filter import FilterCode, filter_of, to_filter

__all__ = [
    "CODES",
    "FilterCode",
    "MlflowSearch",
    "NqlText",
    "Problem",
    "exported_key",
    "filter_of",
    "find_filters",
    "from_filter",
    "mlflow_of",
    "to_filter",
    "to_mlflow",
]
